using System;

namespace ConvGen;

/// <summary>
/// A vectorised kernel for any layer given at run time: the same engine as generated kernels, with tiles that
/// loop over input channels and taps instead of being unrolled for one shape. The baseline generated kernels
/// are measured against.
/// </summary>
public sealed class GenericConv : IConvKernel
{
    private readonly TilePlan _plan;
    private readonly float[] _weights;
    private readonly float[]? _bias;

    /// <summary>Creates the kernel over OIHW weights <c>[Cout, Cin/Groups, K, K]</c>; bias iff <c>spec.Bias</c>.</summary>
    public GenericConv(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias = default)
    {
        ConvSpec.ThrowIfDefault(spec, nameof(spec));
        spec.CheckParameters(weights.Length, bias.Length);
        _plan = Plan(spec);
        _weights = _plan.PackWeights(weights);
        _bias = spec.Bias ? bias.ToArray() : null;
    }

    /// <inheritdoc/>
    public ConvSpec Spec => _plan.Spec;

    /// <summary>
    /// Threads a forward call may use, as <c>ParallelOptions.MaxDegreeOfParallelism</c>: 1 (the default) runs on the
    /// calling thread, -1 uses all cores, N at most N. Results are bit-identical for any value.
    /// </summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set { ConvEngine.CheckDegreeOfParallelism(value); _maxDegreeOfParallelism = value; }
    }

    private int _maxDegreeOfParallelism = 1;

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int height, int width, int batch = 1) =>
        ConvEngine.Forward<GenericTiles>(_plan, _weights, _bias, input, default, false, output, height, width, batch, _maxDegreeOfParallelism);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> residual, Span<float> output, int height, int width, int batch = 1) =>
        ConvEngine.Forward<GenericTiles>(_plan, _weights, _bias, input, residual, true, output, height, width, batch, _maxDegreeOfParallelism);

    /// <summary>
    /// With 32 vector registers, blocks of 8 channels (8×16 tiles); with 16, blocks of 4 (4×24); the rest in one
    /// block packed 8, 4 or 1 wide (1×32).
    /// </summary>
    internal static TilePlan Plan(ConvSpec spec)
    {
        var blocks = new System.Collections.Generic.List<TileBlock>();
        int c = 0, coutG = spec.CoutPerGroup;
        if (ConvEngine.HasWideRegisterFile)
            for (; c + 8 <= coutG; c += 8) blocks.Add(new TileBlock(c, 8, 8, 16));
        for (; c + 4 <= coutG; c += 4) blocks.Add(new TileBlock(c, 4, 4, 24));
        int rest = coutG - c;
        if (rest > 1) blocks.Add(new TileBlock(c, rest, 4, 24));
        else if (rest == 1) blocks.Add(new TileBlock(c, 1, 1, 32));
        return new TilePlan(spec, blocks.ToArray());
    }
}
