using System;
using System.Collections.Generic;
using Xunit;

namespace ConvGen.Robustness.Tests;

/// <summary>
/// Input, residual and output live inside larger buffers: the input's and residual's margins are NaN (a read past
/// them shows up as NaN in the output), the output's margins are sentinels (a write past it changes them).
/// </summary>
public class CanaryTests
{
    private const float Sentinel = -7777.25f;

    /// <summary>Runs one guarded forward pass; returns null when nothing was read or written outside the spans and the result is right.</summary>
    internal static string? Guarded(IConvKernel kernel, float[] weights, float[] bias, int height, int width, int batch,
        bool residual, Random random)
    {
        ConvSpec spec = kernel.Spec;
        int inLength = (int)spec.InputLength(height, width, batch), outLength = (int)spec.OutputLength(height, width, batch);
        int before = 1 + random.Next(40), after = 1 + random.Next(40);
        float[] input = Guard(Kernels.RandomArray(random, inLength), before, after, float.NaN);
        float[]? res = residual ? Guard(Kernels.RandomArray(random, outLength), after, before, float.NaN) : null;
        float[] output = Guard(new float[outLength], before, after, Sentinel);
        Span<float> y = output.AsSpan(before, outLength);
        ReadOnlySpan<float> x = input.AsSpan(before, inLength);
        if (res == null) kernel.Forward(x, y, height, width, batch);
        else kernel.Forward(x, res.AsSpan(after, outLength), y, height, width, batch);

        string shape = $"{spec} {batch}x{height}x{width}{(residual ? " +residual" : "")}";
        for (int i = 0; i < before; i++)
            if (!output[i].Equals(Sentinel)) return $"{shape}: wrote {before - i} floats before the output";
        for (int i = before + outLength; i < output.Length; i++)
            if (!output[i].Equals(Sentinel)) return $"{shape}: wrote {i - before - outLength + 1} floats past the output";
        for (int i = 0; i < outLength; i++)
            if (float.IsNaN(y[i])) return $"{shape}: NaN at output {i}: read outside the input or residual";
        return Oracle.Mismatch(spec, weights, bias, x, res?.AsSpan(after, outLength).ToArray(), y, height, width, batch);
    }

    private static float[] Guard(float[] values, int before, int after, float fill)
    {
        var buffer = new float[before + values.Length + after];
        Array.Fill(buffer, fill);
        values.CopyTo(buffer, before);
        return buffer;
    }

    /// <summary>Every kernel under test at odd sizes, widths 1 to 20 where the layer allows them.</summary>
    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void KernelsStayInsideTheirSpans(string name)
    {
        KernelCase kernel = Kernels.Get(name);
        IConvKernel conv = Kernels.Build(kernel, 17, out float[] weights, out float[] bias);
        var random = new Random(19);
        for (int width = Math.Max(1, kernel.Spec.MinInputSize); width <= Math.Max(20, kernel.Spec.MinInputSize + 3); width++)
        {
            int height = kernel.Spec.MinInputSize + random.Next(5);
            Assert.Null(Guarded(conv, weights, bias, height, width, 1 + width % 2, width % 3 == 0, random));
        }
    }

    /// <summary>Odd shapes the generic kernel sees at run time: widths 1–20, strides 1–3, padding 0–3, K up to 7, dilation up to 3, block remainders.</summary>
    public static IEnumerable<object[]> Shapes()
    {
        var random = new Random(23);
        for (int width = 1; width <= 20; width++)
        for (int stride = 1; stride <= 3; stride++)
        for (int variant = 0; variant < 3; variant++)
        {
            int k = 1 + random.Next(7), dilation = 1 + random.Next(3), padding = random.Next(4);
            while (dilation * (k - 1) + 1 - 2 * padding > width) k--;
            int groups = 1 + random.Next(3), cinG = 1 + random.Next(9), coutG = 1 + random.Next(17);
            bool bias = random.Next(2) == 1;
            var activation = (ConvActivation)random.Next(3);
            yield return [cinG * groups, coutG * groups, k, groups, stride, padding, dilation, bias, activation, groups > 1 && random.Next(2) == 1, width];
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GenericStaysInsideItsSpans(int cin, int cout, int k, int groups, int stride, int padding, int dilation,
        bool bias, ConvActivation activation, bool shuffle, int width)
    {
        var spec = new ConvSpec(cin, cout, k, groups, stride, padding, dilation, bias, activation, shuffle);
        var random = new Random(width * 31 + k);
        float[] weights = Kernels.RandomArray(random, spec.WeightLength), b = Kernels.RandomArray(random, spec.BiasLength);
        var conv = new GenericConv(spec, weights, b);
        int height = spec.MinInputSize + random.Next(6);
        Assert.Null(Guarded(conv, weights, b, height, width, 1 + random.Next(2), random.Next(2) == 1, random));
        Assert.Null(Guarded(conv, weights, b, width, height, 1, random.Next(2) == 1, random));
    }
}
