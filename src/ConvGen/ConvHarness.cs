using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace ConvGen;

/// <summary>One size a kernel is checked at.</summary>
/// <param name="Height">Input height.</param>
/// <param name="Width">Input width.</param>
/// <param name="Batch">Batch size.</param>
/// <param name="Residual">Whether the residual overload is checked.</param>
public readonly record struct HarnessSize(int Height, int Width, int Batch = 1, bool Residual = false);

/// <summary>What the harness found at one size.</summary>
public sealed record HarnessCase(HarnessSize Size, int Checked, int Failures, double MaxError, double WorstRatio,
    string Worst)
{
    /// <summary>Whether every element was within its bound (and written).</summary>
    public bool Passed => Failures == 0;
}

/// <summary>A kernel's check against the reference: one <see cref="HarnessCase"/> per size.</summary>
public sealed record HarnessReport(string Kernel, ConvSpec Spec, IReadOnlyList<HarnessCase> Cases)
{
    /// <summary>Whether every size passed.</summary>
    public bool Passed => Cases.All(c => c.Passed);
    /// <summary>The largest error relative to its bound over all sizes (≤ 1 passes).</summary>
    public double WorstRatio => Cases.Count == 0 ? 0 : Cases.Max(c => c.WorstRatio);
    /// <summary>The largest absolute error over all sizes.</summary>
    public double MaxError => Cases.Count == 0 ? 0 : Cases.Max(c => c.MaxError);

    /// <inheritdoc/>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"{Kernel} [{Spec}]: {(Passed ? "PASS" : "FAIL")}, max error {MaxError:G3}, worst error/bound {WorstRatio:F3}");
        foreach (HarnessCase c in Cases)
            text.AppendLine($"  {c.Size.Batch}x{Spec.Cin}x{c.Size.Height}x{c.Size.Width}{(c.Size.Residual ? " +residual" : "")}: " +
                $"{(c.Passed ? "pass" : $"FAIL ({c.Failures} of {c.Checked})")}, max error {c.MaxError:G3}, error/bound {c.WorstRatio:F3}" +
                (c.Passed ? "" : $", worst at {c.Worst}"));
        return text.ToString();
    }
}

/// <summary>
/// Checks any kernel against <see cref="ReferenceConv"/>: same random weights, bias and input, outputs pre-filled
/// with NaN so that unwritten elements are caught, and a per-element bound that scales with the size of the terms:
/// <c>|got - ref| ≤ (n + 3)·2⁻²³·Σ|terms|</c>, n = (Cin/G)·K·K, twice the worst-case rounding of n + 3 float
/// additions (products, bias, residual) whatever their order. A wrong tap or channel is far outside it.
/// </summary>
public static class ConvHarness
{
    /// <summary>
    /// Checks <paramref name="create"/>'s kernel (given OIHW weights and bias, or an empty bias) at
    /// <paramref name="sizes"/>, or at default sizes: odd, smaller and larger than a vector, batch 1 to 3, with and without residual.
    /// </summary>
    public static HarnessReport Check(ConvSpec spec, Func<float[], float[], IConvKernel> create,
        IEnumerable<HarnessSize>? sizes = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(create);
        ConvSpec.ThrowIfDefault(spec, nameof(spec));
        List<HarnessSize> list = (sizes ?? DefaultSizes(spec)).ToList();
        foreach (HarnessSize size in list)
        {
            // The same checks as Forward, before any buffer is allocated from these sizes.
            int Clamp(long length) => (int)Math.Clamp(length, -1, int.MaxValue);
            try
            {
                spec.CheckForward(Clamp(spec.InputLength(size.Height, size.Width, size.Batch)),
                    Clamp(spec.OutputLength(size.Height, size.Width, size.Batch)), size.Height, size.Width, size.Batch);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{size} is not a size this layer accepts: {e.Message}", nameof(sizes), e);
            }
        }
        var random = new Random(seed);
        float[] weights = RandomArray(random, spec.WeightLength);
        float[] bias = RandomArray(random, spec.BiasLength);
        IConvKernel kernel = create(weights, bias)
                             ?? throw new ArgumentException("create returned null instead of a kernel.", nameof(create));
        if (kernel.Spec != spec)
            throw new ArgumentException($"The kernel computes {kernel.Spec}, not {spec}.", nameof(create));
        var cases = new List<HarnessCase>();
        foreach (HarnessSize size in list)
            cases.Add(CheckSize(kernel, weights, bias, size, random));
        return new HarnessReport(kernel.GetType().Name, spec, cases);
    }

    /// <summary>Default sizes: the smallest the layer accepts, odd sizes below and above 8, batches 1–3, residual on some.</summary>
    public static IReadOnlyList<HarnessSize> DefaultSizes(ConvSpec spec)
    {
        int m = spec.MinInputSize;
        return
        [
            new(m, m, 1),
            new(Math.Max(m, 5), Math.Max(m, 7), 2, Residual: true),
            new(Math.Max(m, 11), Math.Max(m, 13), 3),
            new(Math.Max(m, 16), Math.Max(m, 9), 1, Residual: true),
            new(Math.Max(m, 19), Math.Max(m, 30), 2),
        ];
    }

    private static HarnessCase CheckSize(IConvKernel kernel, float[] weights, float[] bias, HarnessSize size, Random random)
    {
        ConvSpec spec = kernel.Spec;
        int h = size.Height, w = size.Width, n = size.Batch;
        float[] input = RandomArray(random, checked((int)spec.InputLength(h, w, n)));
        int outLength = checked((int)spec.OutputLength(h, w, n));
        float[] residual = size.Residual ? RandomArray(random, outLength) : [];
        var expected = new float[outLength];
        var magnitude = new double[outLength];
        ReferenceConv.Compute(spec, weights, bias, input, residual, size.Residual, expected, magnitude, h, w, n);
        var got = new float[outLength];
        Array.Fill(got, float.NaN);
        if (size.Residual) kernel.Forward(input, residual, got, h, w, n);
        else kernel.Forward(input, got, h, w, n);
        return Compare(spec, size, expected, magnitude, got);
    }

    /// <summary>Compares a kernel's output with the reference's, element by element, against the scaled bound.</summary>
    internal static HarnessCase Compare(ConvSpec spec, HarnessSize size, ReadOnlySpan<float> expected,
        ReadOnlySpan<double> magnitude, ReadOnlySpan<float> got)
    {
        double unit = ErrorUnit(spec);
        int failures = 0, worstAt = -1;
        double maxError = 0, worstRatio = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], g = got[i], error;
            bool ok;
            if (double.IsNaN(e) || double.IsInfinity(e)) { ok = e.Equals(g); error = ok ? 0 : double.PositiveInfinity; }
            else if (double.IsNaN(g) || double.IsInfinity(g)) { ok = false; error = double.PositiveInfinity; }
            else { error = Math.Abs(g - e); ok = error <= unit * magnitude[i]; }
            double ratio = error == 0 ? 0 : error / (unit * magnitude[i]);
            if (!ok) failures++;
            if (error > maxError) maxError = error;
            if (ratio > worstRatio || (!ok && worstAt < 0)) { worstRatio = ratio; worstAt = i; }
        }
        return new HarnessCase(size, expected.Length, failures, maxError, worstRatio,
            worstAt < 0 ? "-" : Describe(spec, size, worstAt, expected[worstAt], got[worstAt]));
    }

    private static string Describe(ConvSpec spec, HarnessSize size, int index, float expected, float got)
    {
        int ow = spec.OutputWidth(size.Width), oh = spec.OutputHeight(size.Height);
        int x = index % ow, y = index / ow % oh, c = index / ow / oh % spec.Cout, n = index / ow / oh / spec.Cout;
        return $"[n={n}, c={c}, y={y}, x={x}]: expected {expected:G9}, got {got:G9}";
    }

    /// <summary>
    /// The harness's bound per unit of magnitude: an output may differ from the reference by at most
    /// <c>ErrorUnit(spec)·Σ|terms|</c>, where <c>ErrorUnit = (n + 3)·2⁻²³</c>, n = (Cin/G)·K·K.
    /// </summary>
    public static double ErrorUnit(ConvSpec spec) => (spec.CinPerGroup * spec.Taps + 3) * Math.ScaleB(1.0, -23);

    internal static float[] RandomArray(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
