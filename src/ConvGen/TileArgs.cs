using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvGen;

/// <summary>
/// What one call of a tile kernel works on: a segment of <see cref="Count"/> output positions that are
/// consecutive both in the packed input and in the output (an output row, or a run of rows when the rows have no
/// padding between them), repeated over <see cref="Rows"/> rows, for one block of output channels.
/// The input is one group's band in the phase-split padded layout (see <see cref="ConvRules"/>): output position
/// <c>j</c> of the segment reads tap <c>(kh, kw)</c> of input channel <c>ci</c> at
/// <c>Input[ci·ChannelPitch + phase·PhasePitch + rowOffset·RowPitch + colOffset + j]</c> and writes output channel
/// <c>c</c> of the block at <c>Output[c·OutputPitch + j]</c>, as <c>act(sum + Bias[c] + Residual[c·OutputPitch + j])</c>.
/// </summary>
public ref struct TileArgs
{
    /// <summary>Packed input of the group at the segment's first position.</summary>
    public ref float Input;
    /// <summary>Packed weights of the block: <c>[input channel][tap][packed channel]</c>.</summary>
    public ref float Weights;
    /// <summary>Output of the block's first channel at the segment's first position.</summary>
    public ref float Output;
    /// <summary>Residual at the same place as <see cref="Output"/> (when <see cref="HasResidual"/>).</summary>
    public ref float Residual;
    /// <summary>Bias of the block's first channel (when the layer has a bias).</summary>
    public ref float Bias;
    /// <summary>Whether a residual is added.</summary>
    public bool HasResidual;
    /// <summary>Output positions in the segment (per row).</summary>
    public nint Count;
    /// <summary>
    /// Rows the segment repeats over: row <c>k</c> starts <c>k·RowPitch</c> further in the input and
    /// <c>k·OutputRowPitch</c> further in the output and residual.
    /// </summary>
    public nint Rows;
    /// <summary>Floats per output row.</summary>
    public nint OutputRowPitch;
    /// <summary>Floats per phase-plane row (<c>Wq</c>).</summary>
    public nint RowPitch;
    /// <summary>Floats per phase plane.</summary>
    public nint PhasePitch;
    /// <summary>Floats per input channel (all its phase planes).</summary>
    public nint ChannelPitch;
    /// <summary>Floats between two output (and residual) channels of the block.</summary>
    public nint OutputPitch;
    /// <summary>The block being computed (run-time tiles read it; generated tiles know it).</summary>
    public TileBlock Block;
    /// <summary>Input channels of a group (run-time tiles read it).</summary>
    public int InputChannels;
    /// <summary>Whether the layer has a bias (run-time tiles read it).</summary>
    public bool HasBias;
    /// <summary>The layer's activation (run-time tiles read it).</summary>
    public ConvActivation Activation;
    /// <summary>Each tap's offset from the output position, in floats (run-time tiles read it).</summary>
    public ReadOnlySpan<nint> TapOffsets;
}

/// <summary>
/// The tile kernels of one layer, one per <see cref="TileBlock"/>. Generated kernels implement it with a struct
/// whose <see cref="Run"/> switches to fully unrolled, fixed-shape methods.
/// </summary>
public interface ITileKernels
{
    /// <summary>Computes block <paramref name="block"/> over the segment of <paramref name="args"/>.</summary>
    static abstract void Run(int block, ref TileArgs args);
}

/// <summary>The store of a tile's accumulators, shared by generated and run-time tiles.</summary>
public static class TileStore
{
    /// <summary>
    /// Stores the first <paramref name="lanes"/> lanes of <paramref name="sum"/> (bias already added) with the
    /// residual and activation: the last, partial vector of a segment, which must not touch memory past it.
    /// With AVX-512 it is one masked load and store (inlined, so that a tile keeps its registers); the references
    /// must point into pinned memory, as every tile's do.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Partial(Vector256<float> sum, ref float output, ref float residual, bool hasResidual, int lanes,
        ConvActivation activation)
    {
        if (!Avx512F.VL.IsSupported)
        {
            PartialScalar(sum, ref output, ref residual, hasResidual, lanes, activation);
            return;
        }
        Vector256<float> mask = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(lanes)).AsSingle();
        fixed (float* y = &output, r = &residual)
        {
            if (hasResidual) sum += Avx512F.VL.MaskLoad(r, mask, Vector256<float>.Zero);
            Avx512F.VL.MaskStore(y, mask, Activate(sum, activation));
        }
    }

    private static void PartialScalar(Vector256<float> sum, ref float output, ref float residual, bool hasResidual, int lanes,
        ConvActivation activation)
    {
        for (int i = 0; i < lanes; i++)
        {
            float v = sum.GetElement(i);
            if (hasResidual) v += Unsafe.Add(ref residual, i);
            Unsafe.Add(ref output, i) = Activate(v, activation);
        }
    }

    /// <summary>Stores a full vector with the residual and activation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Full(Vector256<float> sum, ref float output, ref float residual, bool hasResidual, ConvActivation activation)
    {
        if (hasResidual) sum += Vector256.LoadUnsafe(ref residual);
        Activate(sum, activation).StoreUnsafe(ref output);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Activate(Vector256<float> sum, ConvActivation activation)
    {
        if (activation != ConvActivation.None) sum = Vector256.Max(sum, Vector256<float>.Zero);
        if (activation == ConvActivation.Relu6) sum = Vector256.Min(sum, Vector256.Create(6f));
        return sum;
    }

    /// <summary>The activation of one float, NaN-propagating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Activate(float value, ConvActivation activation) => activation switch
    {
        ConvActivation.Relu => MathF.Max(value, 0),
        ConvActivation.Relu6 => MathF.Min(MathF.Max(value, 0), 6),
        _ => value,
    };
}
