using System;

namespace ConvGen.Robustness.Tests;

/// <summary>Where a NaN or infinity is planted before a forward pass.</summary>
public enum Poison
{
    /// <summary>One input element is NaN.</summary>
    InputNaN,
    /// <summary>One input element is +Inf, another -Inf (their sum is NaN where both are reached).</summary>
    InputInfinities,
    /// <summary>A whole input channel is NaN: every output of its group is NaN, through ReLU and ReLU6 too.</summary>
    InputChannelNaN,
    /// <summary>A whole input channel is -Inf: ReLU gives 0, no activation gives ±Inf, a zero weight gives NaN.</summary>
    InputChannelNegativeInfinity,
    /// <summary>One weight is NaN.</summary>
    WeightNaN,
    /// <summary>One weight is +Inf: times a zero of the padding it is NaN, as IEEE says.</summary>
    WeightInfinity,
    /// <summary>One bias is NaN (or, without bias, one residual element).</summary>
    BiasOrResidualNaN,
    /// <summary>Residual elements are +Inf and -Inf.</summary>
    ResidualInfinities,
}

/// <summary>Runs a kernel on poisoned data and compares it with the reference, element by element.</summary>
public static class NonFinite
{
    /// <summary>Returns null when the kernel agrees with the reference on every element, else what differs.</summary>
    public static string? Check(KernelCase kernel, Poison poison, int seed, int height = 0, int width = 0)
    {
        ConvSpec spec = kernel.Spec;
        var random = new Random(seed);
        float[] weights = Kernels.RandomArray(random, spec.WeightLength);
        float[] bias = Kernels.RandomArray(random, spec.BiasLength);
        // By default rows of 15: not whole vectors, and wide enough for row tiles (two of 7 positions, the last overlapping).
        height = Math.Max(spec.MinInputSize, height > 0 ? height : 7);
        width = Math.Max(spec.MinInputSize, width > 0 ? width : 15);
        int batch = 2;
        float[] input = Kernels.RandomArray(random, (int)spec.InputLength(height, width, batch));
        bool useResidual = poison == Poison.ResidualInfinities || (poison == Poison.BiasOrResidualNaN && !spec.Bias) || seed % 2 == 1;
        float[]? residual = useResidual ? Kernels.RandomArray(random, (int)spec.OutputLength(height, width, batch)) : null;
        int plane = height * width;
        switch (poison)
        {
            case Poison.InputNaN: input[random.Next(input.Length)] = float.NaN; break;
            case Poison.InputInfinities:
                input[random.Next(input.Length)] = float.PositiveInfinity;
                input[random.Next(input.Length)] = float.NegativeInfinity;
                break;
            case Poison.InputChannelNaN: input.AsSpan(random.Next(spec.Cin * batch) * plane, plane).Fill(float.NaN); break;
            case Poison.InputChannelNegativeInfinity:
                input.AsSpan(random.Next(spec.Cin * batch) * plane, plane).Fill(float.NegativeInfinity);
                weights[random.Next(weights.Length)] = 0;
                break;
            case Poison.WeightNaN: weights[random.Next(weights.Length)] = float.NaN; break;
            case Poison.WeightInfinity: weights[random.Next(weights.Length)] = float.PositiveInfinity; break;
            case Poison.BiasOrResidualNaN:
                if (spec.Bias) bias[random.Next(bias.Length)] = float.NaN;
                else residual![random.Next(residual.Length)] = float.NaN;
                break;
            case Poison.ResidualInfinities:
                for (int i = 0; i < 4; i++)
                    residual![random.Next(residual.Length)] = i % 2 == 0 ? float.PositiveInfinity : float.NegativeInfinity;
                break;
        }
        IConvKernel conv = kernel.Create(weights, bias);
        var got = new float[(int)spec.OutputLength(height, width, batch)];
        if (residual == null) conv.Forward(input, got, height, width, batch);
        else conv.Forward(input, residual, got, height, width, batch);
        string? mismatch = Oracle.Mismatch(spec, weights, bias, input, residual, got, height, width, batch);
        if (mismatch != null) return $"{kernel.Name}, {poison}: {mismatch}";
        if (poison == Poison.InputChannelNaN && Array.TrueForAll(got, float.IsFinite))
            return $"{kernel.Name}, {poison}: no NaN reached the output";
        return null;
    }
}
