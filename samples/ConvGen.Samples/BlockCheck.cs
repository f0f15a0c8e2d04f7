using System;

namespace ConvGen.Samples;

/// <summary>The reference block's output for one input and a per-element bound on any float kernel's error.</summary>
/// <param name="Expected">The reference-built block's output.</param>
/// <param name="Bound">Per output element, the largest difference a correct float block may show.</param>
public sealed record BlockReference(float[] Expected, float[] Bound);

/// <summary>How a block's output compared with the reference block's.</summary>
/// <param name="Checked">Elements compared.</param>
/// <param name="Failures">Elements outside their bound (or not written: NaN).</param>
/// <param name="MaxError">Largest absolute difference.</param>
/// <param name="WorstRatio">Largest difference divided by its bound (≤ 1 passes).</param>
public sealed record BlockCheckResult(int Checked, int Failures, double MaxError, double WorstRatio)
{
    /// <summary>Whether every element was written and within its bound.</summary>
    public bool Passed => Failures == 0;
}

/// <summary>
/// Checks a whole block against the block built from <see cref="ReferenceConv"/>, with a bound that follows the
/// magnitude of the terms through the layers.
/// </summary>
/// <remarks>
/// The bound, per element, is worst-case (not statistical), in the manner of <see cref="ConvHarness"/>:
/// <list type="bullet">
/// <item>One layer's own rounding. A float kernel sums n + 3 terms (n = (Cin/G)·K·K products, bias, residual) in
/// some order, with or without FMA: its error is at most (n + 3)·u·Σ|terms|, u = 2⁻²⁴. The reference sums in
/// double and rounds once: at most u·|y| ≤ u·Σ|terms|. So the two differ by at most
/// <c>unit·M</c>, unit = (n + 3)·2⁻²³ (the harness's factor), M = Σ|terms| = Σ|w|·|x| + |b| + |residual|.</item>
/// <item>Errors coming in. If the layer's inputs already differ by at most E (elementwise), the sums differ by at
/// most P = Σ|w|·E. ReLU and ReLU6 do not enlarge a difference, the shuffle only moves it, and the residual is
/// the block input, the same for both (no error).</item>
/// <item>So E_out = unit·M + P, with M taken over |x| + E so that it bounds the kernel's terms as well as the
/// reference's. M and P are themselves convolutions, with |w| and |b|, so they are computed with
/// <see cref="ReferenceConv"/> (in double, rounded once: a relative error of 2⁻²⁴ in the bound, negligible).</item>
/// </list>
/// Typical errors are far below this bound (rounding errors mostly cancel), so a ratio well under 1 is expected;
/// a wrong weight, tap or channel gives errors of the size of the values themselves, far above it.
/// </remarks>
public static class BlockCheck
{
    /// <summary>
    /// Runs <paramref name="reference"/> (a block built from <see cref="KernelKind.Reference"/>) on
    /// <paramref name="input"/> and computes the error bound described on <see cref="BlockCheck"/>.
    /// </summary>
    public static BlockReference Reference(Block reference, float[] input, int height, int width, int batch = 1)
    {
        if (reference.Kind != KernelKind.Reference)
            throw new ArgumentException($"reference must be built from reference kernels, not {reference.Kind}.", nameof(reference));
        BlockDefinition block = reference.Definition;
        var expected = new float[input.Length];
        reference.Forward(input, expected, height, width, batch);

        float[] x = input, error = new float[input.Length]; // the block input is exact
        int h = height, w = width;
        for (int l = 0; l < block.Layers.Count; l++)
        {
            ConvSpec spec = block.Layers[l].Spec;
            bool last = l == block.Layers.Count - 1;
            var absSpec = new ConvSpec(spec.Cin, spec.Cout, spec.K, spec.Groups, spec.Stride, spec.Padding, spec.Dilation,
                Bias: true, Activation: ConvActivation.None, ShuffleOutput: spec.ShuffleOutput);
            float[] absWeights = Abs(reference.Parameters[l].Weights), absBias = Abs(reference.Parameters[l].Bias);
            int length = checked((int)spec.OutputLength(h, w, batch));

            // M = Σ|w|·(|x| + E) + |b| (+ |input| on the last layer); P = Σ|w|·E.
            float[] magnitudeInput = new float[x.Length];
            for (int i = 0; i < x.Length; i++) magnitudeInput[i] = Math.Abs(x[i]) + error[i];
            var magnitude = new float[length];
            var magnitudeKernel = new ReferenceConv(absSpec, absWeights, absBias);
            if (last) magnitudeKernel.Forward(magnitudeInput, Abs(input), magnitude, h, w, batch);
            else magnitudeKernel.Forward(magnitudeInput, magnitude, h, w, batch);
            var propagated = new float[length];
            new ReferenceConv(absSpec, absWeights, new float[spec.Cout]).Forward(error, propagated, h, w, batch);

            double unit = (spec.CinPerGroup * spec.Taps + 3) * Math.ScaleB(1.0, -23);
            error = new float[length];
            for (int i = 0; i < length; i++) error[i] = (float)(unit * magnitude[i] + propagated[i]);
            if (!last) x = reference.LayerOutput(l).ToArray();
            (h, w) = (spec.OutputHeight(h), spec.OutputWidth(w));
        }
        return new BlockReference(expected, error);
    }

    /// <summary>
    /// Runs <paramref name="block"/> on <paramref name="input"/> into an output pre-filled with NaN (so unwritten
    /// elements fail) and compares it with the reference.
    /// </summary>
    public static BlockCheckResult Check(Block block, BlockReference reference, float[] input, int height, int width, int batch = 1)
    {
        var got = new float[reference.Expected.Length];
        Array.Fill(got, float.NaN);
        block.Forward(input, got, height, width, batch);
        return Compare(reference, got);
    }

    /// <summary>Compares an output with the reference, element by element, against the bound.</summary>
    public static BlockCheckResult Compare(BlockReference reference, ReadOnlySpan<float> got)
    {
        if (got.Length != reference.Expected.Length)
            throw new ArgumentException($"got must hold {reference.Expected.Length} floats, but holds {got.Length}.", nameof(got));
        int failures = 0;
        double maxError = 0, worstRatio = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double error = Math.Abs((double)got[i] - reference.Expected[i]);
            if (double.IsNaN(error)) error = double.PositiveInfinity;
            double bound = reference.Bound[i];
            if (!(error <= bound)) failures++;
            maxError = Math.Max(maxError, error);
            worstRatio = Math.Max(worstRatio, error == 0 ? 0 : error / bound);
        }
        return new BlockCheckResult(got.Length, failures, maxError, worstRatio);
    }

    private static float[] Abs(ReadOnlySpan<float> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = Math.Abs(values[i]);
        return result;
    }
}
