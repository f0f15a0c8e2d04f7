using System;
using System.Collections.Generic;

namespace ConvGen.Robustness.Tests;

/// <summary>
/// Compares a kernel's output with <see cref="ReferenceConv"/> under the harness's bound,
/// <c>|got - ref| ≤ (n + 3)·2⁻²³·Σ|terms|</c>, where Σ|terms| is the reference run over absolute values.
/// Non-finite expected values must match exactly (NaN with NaN, +Inf with +Inf).
/// </summary>
public static class Oracle
{
    /// <summary>Describes the first few mismatches, or returns null when every element agrees.</summary>
    public static string? Mismatch(ConvSpec spec, float[] weights, float[] bias, ReadOnlySpan<float> input,
        float[]? residual, ReadOnlySpan<float> got, int height, int width, int batch)
    {
        int length = (int)spec.OutputLength(height, width, batch);
        var expected = new float[length];
        var magnitude = new float[length];
        var reference = new ReferenceConv(spec, weights, bias);
        if (residual == null) reference.Forward(input, expected, height, width, batch);
        else reference.Forward(input, residual, expected, height, width, batch);

        var linear = new ConvSpec(spec.Cin, spec.Cout, spec.K, spec.Groups, spec.Stride, spec.Padding, spec.Dilation,
            spec.Bias, ConvActivation.None, spec.ShuffleOutput);
        var absolute = new ReferenceConv(linear, Abs(weights), Abs(bias));
        if (residual == null) absolute.Forward(Abs(input), magnitude, height, width, batch);
        else absolute.Forward(Abs(input), Abs(residual), magnitude, height, width, batch);

        double unit = (spec.CinPerGroup * spec.Taps + 3) * Math.ScaleB(1.0, -23);
        var problems = new List<string>();
        for (int i = 0; i < length && problems.Count < 5; i++)
        {
            float e = expected[i], g = got[i];
            bool ok = float.IsFinite(e) ? Math.Abs((double)g - e) <= unit * magnitude[i] * 1.0000001 : e.Equals(g);
            if (!ok) problems.Add($"[{i}] expected {e:G9}, got {g:G9}");
        }
        return problems.Count == 0 ? null : $"{spec} {batch}x{height}x{width}: " + string.Join("; ", problems);
    }

    /// <summary>Absolute values.</summary>
    public static float[] Abs(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = Math.Abs(values[i]);
        return result;
    }
}
