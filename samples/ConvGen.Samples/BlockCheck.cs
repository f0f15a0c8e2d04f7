using System;
using System.Collections.Generic;
using System.Linq;

namespace ConvGen.Samples;

/// <summary>How some values compared with the expected ones, element by element, each against its own bound.</summary>
/// <param name="Checked">Elements compared.</param>
/// <param name="Failures">Elements outside their bound (or not written: NaN).</param>
/// <param name="MaxError">Largest absolute difference.</param>
/// <param name="WorstRatio">Largest difference divided by its bound (≤ 1 passes).</param>
public sealed record Comparison(long Checked, long Failures, double MaxError, double WorstRatio)
{
    /// <summary>Whether every element was written and within its bound.</summary>
    public bool Passed => Failures == 0;

    /// <summary>Compares <paramref name="got"/> with <paramref name="expected"/>; NaN or infinity in <paramref name="got"/> fails.</summary>
    public static Comparison Of(ReadOnlySpan<float> expected, ReadOnlySpan<float> bound, ReadOnlySpan<float> got)
    {
        if (got.Length != expected.Length || bound.Length != expected.Length)
            throw new ArgumentException($"got and bound must hold {expected.Length} floats, but hold {got.Length} and {bound.Length}.", nameof(got));
        long failures = 0;
        double maxError = 0, worstRatio = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double error = Math.Abs((double)got[i] - expected[i]);
            if (!double.IsFinite(error)) error = double.PositiveInfinity;
            if (!(error <= bound[i])) failures++;
            maxError = Math.Max(maxError, error);
            worstRatio = Math.Max(worstRatio, error == 0 ? 0 : error / bound[i]);
        }
        return new Comparison(got.Length, failures, maxError, worstRatio);
    }

    /// <summary>Both comparisons as one.</summary>
    public Comparison And(Comparison other) => new(Checked + other.Checked, Failures + other.Failures,
        Math.Max(MaxError, other.MaxError), Math.Max(WorstRatio, other.WorstRatio));
}

/// <summary>A block's check: its output against the reference block's, and each layer against the reference layer.</summary>
/// <param name="Output">The block output against the reference block's output, with the propagated bound.</param>
/// <param name="Layers">Every layer's output against the reference layer run on the same input, with the one-layer bound.</param>
public sealed record BlockCheckResult(Comparison Output, Comparison Layers)
{
    /// <summary>Whether both passed.</summary>
    public bool Passed => Output.Passed && Layers.Passed;
}

/// <summary>The reference block's outputs for one input, with the bounds a correct float block must stay within.</summary>
public sealed class BlockReference
{
    internal BlockReference(Block block, float[] input, int height, int width, int batch,
        float[][] outputs, float[][] bounds, float[][] layerBounds)
    {
        Block = block; Input = input; Height = height; Width = width; Batch = batch;
        Outputs = outputs; Bounds = bounds; LayerBounds = layerBounds;
    }

    /// <summary>The reference-built block.</summary>
    public Block Block { get; }
    /// <summary>The block input.</summary>
    public float[] Input { get; }
    /// <summary>Input height.</summary>
    public int Height { get; }
    /// <summary>Input width.</summary>
    public int Width { get; }
    /// <summary>Batch size.</summary>
    public int Batch { get; }
    /// <summary>Each layer's reference output (the last is the block output).</summary>
    public IReadOnlyList<float[]> Outputs { get; }
    /// <summary>Per layer and element, the propagated bound E on a correct float block's difference from <see cref="Outputs"/>.</summary>
    public IReadOnlyList<float[]> Bounds { get; }
    /// <summary>Per layer and element, the one-layer bound <c>unit·M</c> (see <see cref="BlockCheck"/>).</summary>
    public IReadOnlyList<float[]> LayerBounds { get; }
    /// <summary>The reference block's output.</summary>
    public float[] Expected => Outputs[^1];
    /// <summary>The propagated bound on the block output.</summary>
    public float[] Bound => Bounds[^1];
}

/// <summary>
/// Checks a whole block against the block built from <see cref="ReferenceConv"/>, with bounds that follow the
/// magnitude of the terms, in two ways: the block output against the reference block's (a worst-case bound
/// propagated through the layers), and each layer on its own (a tight one-layer bound).
/// </summary>
/// <remarks>
/// Both bounds are worst-case, not statistical, in the manner of <see cref="ConvHarness"/>:
/// <list type="bullet">
/// <item>One layer's own rounding. A float kernel sums n + 3 terms (n = (Cin/G)·K·K products, bias, residual) in
/// some order, with or without FMA: its error is at most (n + 3)·u·Σ|terms|, u = 2⁻²⁴. The reference sums in
/// double and rounds once: at most u·Σ|terms|. So on the same input the two differ by at most <c>unit·M</c>,
/// unit = ConvHarness.ErrorUnit = (n + 3)·2⁻²³, M = Σ|terms| = Σ|w|·|x| + |b| + |residual|.</item>
/// <item>Errors coming in. If a layer's inputs already differ by at most E (elementwise), its sums differ by at most
/// P = Σ|w|·E more. ReLU and ReLU6 do not enlarge a difference, the shuffle only moves it, and the residual is the
/// block input, the same for both. So E_out = unit·M + P, with M taken over |x| + E so that it bounds the
/// kernel's terms as well as the reference's. M and P are convolutions with |w| and |b|, so they are computed
/// with <see cref="ReferenceConv"/> (in double, rounded once: a relative error of 2⁻²⁴ in the bound, negligible).</item>
/// </list>
/// The propagated bound on the block output is loose: Σ|w| multiplies the earlier layers' bounds at every layer,
/// so it catches a wrong wiring or a grossly wrong layer but could miss one slightly wrong weight deep inside.
/// The per-layer check closes that gap: each layer of the checked block is compared with the reference layer run
/// on that block's own input to the layer, against <c>unit·M</c> alone (M holds because the layer's input is first
/// checked to be within E of the reference's). A dropped tap gives errors hundreds of times that bound.
/// </remarks>
public static class BlockCheck
{
    /// <summary>
    /// Runs <paramref name="reference"/> (a block built from <see cref="KernelKind.Reference"/>) on
    /// <paramref name="input"/> and computes the bounds described on <see cref="BlockCheck"/>.
    /// </summary>
    public static BlockReference Reference(Block reference, float[] input, int height, int width, int batch = 1)
    {
        if (reference.Kind != KernelKind.Reference)
            throw new ArgumentException($"reference must be built from reference kernels, not {reference.Kind}.", nameof(reference));
        IReadOnlyList<LayerDefinition> layers = reference.Definition.Layers;
        var output = new float[input.Length];
        reference.Forward(input, output, height, width, batch);

        var outputs = new float[layers.Count][];
        var bounds = new float[layers.Count][];
        var layerBounds = new float[layers.Count][];
        float[] x = input, error = new float[input.Length]; // the block input is exact
        int h = height, w = width;
        for (int l = 0; l < layers.Count; l++)
        {
            ConvSpec spec = layers[l].Spec;
            bool last = l == layers.Count - 1;
            outputs[l] = last ? output : reference.LayerOutput(l).ToArray();
            var absSpec = new ConvSpec(spec.Cin, spec.Cout, spec.K, spec.Groups, spec.Stride, spec.Padding, spec.Dilation,
                Bias: true, Activation: ConvActivation.None, ShuffleOutput: spec.ShuffleOutput);
            float[] absWeights = Abs(reference.Parameters[l].Weights), absBias = Abs(reference.Parameters[l].Bias);
            int length = outputs[l].Length;

            // M = Σ|w|·(|x| + E) + |b| (+ |input| on the last layer); P = Σ|w|·E.
            float[] magnitudeInput = x.Select((v, i) => Math.Abs(v) + error[i]).ToArray();
            var magnitude = new float[length];
            var magnitudeKernel = new ReferenceConv(absSpec, absWeights, absBias);
            if (last) magnitudeKernel.Forward(magnitudeInput, Abs(input), magnitude, h, w, batch);
            else magnitudeKernel.Forward(magnitudeInput, magnitude, h, w, batch);
            var propagated = new float[length];
            new ReferenceConv(absSpec, absWeights, new float[spec.Cout]).Forward(error, propagated, h, w, batch);

            double unit = ConvHarness.ErrorUnit(spec);
            layerBounds[l] = magnitude.Select(m => (float)(unit * m)).ToArray();
            error = bounds[l] = layerBounds[l].Select((b, i) => b + propagated[i]).ToArray();
            x = outputs[l];
            (h, w) = (spec.OutputHeight(h), spec.OutputWidth(w));
        }
        return new BlockReference(reference, input, height, width, batch, outputs, bounds, layerBounds);
    }

    /// <summary>
    /// Runs <paramref name="block"/> on the reference's input into an output pre-filled with NaN (so unwritten
    /// elements fail), then compares its output and every layer's as described on <see cref="BlockCheck"/>.
    /// </summary>
    public static BlockCheckResult Check(Block block, BlockReference reference)
    {
        if (block.Definition != reference.Block.Definition)
            throw new ArgumentException($"block is {block.Definition.Name}, but the reference is {reference.Block.Definition.Name}.", nameof(block));
        int h = reference.Height, w = reference.Width, n = reference.Batch, count = block.Kernels.Count;
        var got = new float[reference.Expected.Length];
        Array.Fill(got, float.NaN);
        block.Forward(reference.Input, got, h, w, n);

        Comparison layers = new(0, 0, 0, 0);
        ReadOnlySpan<float> x = reference.Input;
        for (int l = 0; l < count; l++)
        {
            ConvSpec spec = block.Kernels[l].Spec;
            ReadOnlySpan<float> y = l == count - 1 ? got : block.LayerOutput(l);
            // The layer's input is within the propagated bound (so the one-layer bound holds for it) ...
            if (l < count - 1) layers = layers.And(Comparison.Of(reference.Outputs[l], reference.Bounds[l], y));
            // ... and its output is within the one-layer bound of the reference layer run on that same input.
            var expected = new float[y.Length];
            IConvKernel referenceLayer = reference.Block.Kernels[l];
            if (l == count - 1) referenceLayer.Forward(x, reference.Input, expected, h, w, n);
            else referenceLayer.Forward(x, expected, h, w, n);
            layers = layers.And(Comparison.Of(expected, reference.LayerBounds[l], y));
            x = y;
            (h, w) = (spec.OutputHeight(h), spec.OutputWidth(w));
        }
        return new BlockCheckResult(Comparison.Of(reference.Expected, reference.Bound, got), layers);
    }

    private static float[] Abs(float[] values) => Array.ConvertAll(values, Math.Abs);
}
