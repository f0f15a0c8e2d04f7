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
    /// <summary>
    /// The output row of the segment's first row. For <see cref="ITileKernels.RunInPlace"/> (the input is the group's
    /// unpadded plane, <see cref="RowPitch"/> floats a row) and position tiles.
    /// </summary>
    public nint FirstRow;
    /// <summary>Rows of the input plane, for <see cref="ITileKernels.RunInPlace"/> and position tiles.</summary>
    public nint InputHeight;
    /// <summary>
    /// For kernels that read unpadded rows (<see cref="ITileKernels.ReadsUnpaddedRows"/>): 0, or 1 when the first tap
    /// row lies in the padding for every row of the segment (the first rows: <see cref="Input"/> is then the second
    /// tap row, and the first is not read), or 2 when the last does (the last rows: it is not read).
    /// </summary>
    public int PaddingTapRows;
    /// <summary>For kernels that read unpadded rows: the column of the segment's first position (below the row pitch).</summary>
    public nint FirstColumn;
    /// <summary>Whether every weight of the layer is finite: only then may tiles skip taps that read padding (0·∞ is NaN).</summary>
    public bool FiniteWeights;
}

/// <summary>
/// The tile kernels of one layer, one per <see cref="TileBlock"/>. Generated kernels implement it with a struct
/// whose <see cref="Run"/> switches to fully unrolled, fixed-shape methods.
/// </summary>
public interface ITileKernels
{
    /// <summary>Computes block <paramref name="block"/> over the segment of <paramref name="args"/>.</summary>
    static abstract void Run(int block, ref TileArgs args);

    /// <summary>
    /// Output channels one call of <see cref="RunPositions"/> computes: that many consecutive blocks of 8, from the
    /// block it is given. 0 (the default): the kernel has no position tiles.
    /// </summary>
    static virtual int PositionTileChannels => 0;

    /// <summary>
    /// Computes <see cref="PositionTileChannels"/> output channels from block <paramref name="block"/> over the
    /// <see cref="TileArgs.Count"/> output positions of a band (every output row, <see cref="TileArgs.OutputRowPitch"/>
    /// wide), vectorised over output channels, and stores them at <c>Output[c·OutputPitch + q]</c>. For layers
    /// whose rows are short, where tiles along the positions would leave lanes idle.
    /// </summary>
    static virtual void RunPositions(int block, ref TileArgs args) => throw new NotSupportedException();

    /// <summary>
    /// Whether <see cref="Run"/>'s tiles read rows without padding columns (flat layers with stride 1 and
    /// <c>2·Padding = (K − 1)·Dilation</c>, whose output rows are as wide as their input rows): <see cref="TileArgs.RowPitch"/>
    /// is the input width, a segment is whole rows from a row's first column, and the lanes whose tap column falls
    /// outside the row are masked rather than read from padding. The rows above and below a segment must be readable
    /// (zeros outside the input). The engine then reads the rows whose taps lie inside the input where they are, and
    /// packs only the others, with no padding columns and no copy of the output.
    /// </summary>
    static virtual bool ReadsUnpaddedRows => false;

    /// <summary>
    /// Output channels one call of <see cref="RunRows"/> computes (consecutive blocks of 8 from the block it is given),
    /// or 0 (the default): the kernel has no row tiles. 3x3 layers with padding 1 and stride 1 (which read unpadded
    /// rows) or 2 have them.
    /// </summary>
    static virtual int RowTileChannels => 0;

    /// <summary>Positions of a row tile: <see cref="RunRows"/> takes output rows at least that wide.</summary>
    static virtual int RowTilePositions => 0;

    /// <summary>
    /// Computes <see cref="RowTileChannels"/> output channels from block <paramref name="block"/> over a segment of
    /// whole output rows (<see cref="TileArgs.Count"/> a multiple of <see cref="TileArgs.OutputRowPitch"/>),
    /// vectorised over the channels, reading the input where it is and leaving out every tap in the padding:
    /// <see cref="TileArgs.Input"/> is the first input channel's first tap row that is read (the second when
    /// <see cref="TileArgs.PaddingTapRows"/> is 1), at its first column, <see cref="TileArgs.RowPitch"/> floats a row,
    /// the stride's rows further for each output row. Only when every weight is finite (0·∞ must give NaN) and output
    /// rows are at least <see cref="RowTilePositions"/> wide.
    /// </summary>
    static virtual void RunRows(int block, ref TileArgs args) => throw new NotSupportedException();

    /// <summary>Whether the kernel has <see cref="RunInPlace"/> (depthwise layers whose tiles run by rows).</summary>
    static virtual bool ReadsInPlace => false;

    /// <summary>
    /// Computes block <paramref name="block"/> over <see cref="TileArgs.Rows"/> output rows of
    /// <see cref="TileArgs.Count"/> positions from row <see cref="TileArgs.FirstRow"/>, reading the input where it is:
    /// <see cref="TileArgs.Input"/> is the group's unpadded input plane (<see cref="TileArgs.InputHeight"/> rows of
    /// <see cref="TileArgs.RowPitch"/> floats) and the padding is never read, so no packed copy is needed. The 8 floats
    /// before the planes and the 32 after them must be readable (the vectors at the row ends load them, then zero them).
    /// </summary>
    static virtual void RunInPlace(int block, ref TileArgs args) => throw new NotSupportedException();
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
    public static void Partial(Vector256<float> sum, ref float output, ref float residual, bool hasResidual, int lanes,
        ConvActivation activation) => Lanes(sum, ref output, ref residual, hasResidual, 0, lanes, activation);

    /// <summary>
    /// Stores lanes [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="sum"/> (bias already added) with
    /// the residual and activation, at their places from <paramref name="output"/>; memory of the other lanes is not
    /// touched. With AVX-512 one masked load and store; the references must point into pinned memory.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Lanes(Vector256<float> sum, ref float output, ref float residual, bool hasResidual, int first, int end,
        ConvActivation activation)
    {
        if (!Avx512F.VL.IsSupported)
        {
            LanesScalar(sum, ref output, ref residual, hasResidual, first, end, activation);
            return;
        }
        Vector256<float> mask = first == 0 ? FirstLanes(end)
            : (Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(end)) & Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(first))).AsSingle();
        // Pinned already: no fixed (its pinned locals would live on the stack).
        if (hasResidual) sum += Avx512F.VL.MaskLoad((float*)Unsafe.AsPointer(ref residual), mask, Vector256<float>.Zero);
        Avx512F.VL.MaskStore((float*)Unsafe.AsPointer(ref output), mask, Activate(sum, activation));
    }

    /// <summary>
    /// Loads the lanes of <c>row[offset ..]</c> that <paramref name="mask"/> selects, zero elsewhere: lanes outside
    /// the mask are not read (AVX-512 and AVX masked loads suppress their faults), so the vector may start before the
    /// row or end past it. The reference must point into pinned memory, as every tile's does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<float> LoadMasked(ref float row, nint offset, Vector256<float> mask)
    {
        float* at = (float*)Unsafe.AsPointer(ref row) + offset;
        if (Avx512F.VL.IsSupported) return Avx512F.VL.MaskLoad(at, mask, Vector256<float>.Zero);
        if (Avx.IsSupported) return Avx.MaskLoad(at, mask);
        Vector256<float> value = Vector256<float>.Zero;
        for (int i = 0; i < 8; i++)
            if (mask.AsInt32().GetElement(i) != 0) value = value.WithElement(i, at[i]);
        return value;
    }

    /// <summary>
    /// The even floats of <paramref name="low"/> then <paramref name="high"/> (0, 2, …, 14 of the 16) in the split
    /// order: outputs 0, 1, 4, 5, 2, 3, 6, 7 (one in-lane shuffle; <see cref="InOrder"/> restores the order once the
    /// sums are done).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SplitEvens(Vector256<float> low, Vector256<float> high) =>
        Avx.IsSupported ? Avx.Shuffle(low, high, 0b10_00_10_00) : Split(low, high, 0);

    /// <summary>The odd floats of <paramref name="low"/> then <paramref name="high"/> (1, 3, …, 15), in the split order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SplitOdds(Vector256<float> low, Vector256<float> high) =>
        Avx.IsSupported ? Avx.Shuffle(low, high, 0b11_01_11_01) : Split(low, high, 1);

    private static Vector256<float> Split(Vector256<float> low, Vector256<float> high, int odd) => Vector256.Create(
        low[odd], low[2 + odd], high[odd], high[2 + odd], low[4 + odd], low[6 + odd], high[4 + odd], high[6 + odd]);

    /// <summary>Sums in the split order back in output order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> InOrder(Vector256<float> sums) =>
        Avx2.IsSupported ? Avx2.Permute4x64(sums.AsDouble(), 0b11_01_10_00).AsSingle()
            : Vector256.Shuffle(sums, Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7));

    /// <summary>
    /// A mask of the lanes, in the split order, whose column <c>first + 2·o</c> (o the lane's output) lies in
    /// [0, <paramref name="width"/>) (stride 2).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SplitColumnMask(nint first, nint width) =>
        Vector256.LessThan((Vector256.Create(0, 2, 8, 10, 4, 6, 12, 14) + Vector256.Create((int)first)).AsUInt32(),
            Vector256.Create((uint)width)).AsSingle();

    /// <summary>
    /// The columns of 8 consecutive positions of rows <paramref name="width"/> wide without padding, the first at
    /// column <paramref name="column"/> (in [0, width)) plus <paramref name="offset"/>: each lane's position modulo the width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> RowColumns(nint column, nint offset, nint width)
    {
        nint first = NextColumn(column, offset, width);
        Vector256<int> columns = Vector256<int>.Indices + Vector256.Create((int)first), w = Vector256.Create((int)width);
        if (width >= 8) return columns - (Vector256.GreaterThanOrEqual(columns, w) & w);
        for (int i = 0; i < 8; i++) columns = columns.WithElement(i, (int)((first + i) % width));
        return columns;
    }

    /// <summary>
    /// A mask of the lanes whose tap column, <paramref name="offset"/> from their column (<see cref="RowColumns"/>),
    /// lies inside a row <paramref name="width"/> wide.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> TapInside(Vector256<int> columns, int offset, nint width) => offset < 0
        ? Vector256.GreaterThanOrEqual(columns, Vector256.Create(-offset)).AsSingle()
        : Vector256.LessThan(columns, Vector256.Create((int)width - offset)).AsSingle();

    /// <summary>(<paramref name="column"/> + <paramref name="step"/>) modulo <paramref name="width"/>, for a column in [0, width) and a step ≥ 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint NextColumn(nint column, nint step, nint width)
    {
        column += step;
        if (column < width) return column;
        column -= width;
        return column < width ? column : column % width;
    }

    /// <summary>A mask of the lanes <c>l</c> whose column <c>first + l</c> lies in [0, <paramref name="width"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ColumnMask(nint first, nint width) =>
        Vector256.LessThan((Vector256<int>.Indices + Vector256.Create((int)first)).AsUInt32(), Vector256.Create((uint)width)).AsSingle();

    /// <summary>A mask of the first <paramref name="count"/> lanes, for masked loads and stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> FirstLanes(int count) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    private static void LanesScalar(Vector256<float> sum, ref float output, ref float residual, bool hasResidual, int first, int end,
        ConvActivation activation)
    {
        for (int i = first; i < end; i++)
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

    /// <summary>
    /// Stores a position tile's 8 channels: <paramref name="p0"/> … <paramref name="p7"/> hold positions 0 … 7,
    /// one output channel a lane; transposed (AVX) so that channel <c>c</c>'s positions are one vector, stored at
    /// <c>output[c·outputPitch]</c> with its bias, the residual and the activation: positions [<paramref name="firstLane"/>,
    /// <paramref name="lanes"/>) of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transposed(Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3,
        Vector256<float> p4, Vector256<float> p5, Vector256<float> p6, Vector256<float> p7, ref float output, ref float residual,
        nint outputPitch, bool hasResidual, int firstLane, int lanes, ref float bias, bool hasBias, ConvActivation activation)
    {
        // Pairs of positions interleaved, then quadruples, then the 128-bit halves: channels c and c + 4 come out of
        // the same quadruples.
        Vector256<float> t0 = Avx.UnpackLow(p0, p1), t1 = Avx.UnpackHigh(p0, p1), t2 = Avx.UnpackLow(p2, p3), t3 = Avx.UnpackHigh(p2, p3);
        Vector256<float> t4 = Avx.UnpackLow(p4, p5), t5 = Avx.UnpackHigh(p4, p5), t6 = Avx.UnpackLow(p6, p7), t7 = Avx.UnpackHigh(p6, p7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        StoreChannel(Avx.Permute2x128(u0, u4, 0x20), 0, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
        StoreChannel(Avx.Permute2x128(u1, u5, 0x20), 1, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
        StoreChannel(Avx.Permute2x128(u2, u6, 0x20), 2, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
        StoreChannel(Avx.Permute2x128(u3, u7, 0x20), 3, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
        StoreChannel(Avx.Permute2x128(u0, u4, 0x31), 4, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
        StoreChannel(Avx.Permute2x128(u1, u5, 0x31), 5, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
        StoreChannel(Avx.Permute2x128(u2, u6, 0x31), 6, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
        StoreChannel(Avx.Permute2x128(u3, u7, 0x31), 7, ref output, ref residual, outputPitch, hasResidual, firstLane, lanes, ref bias, hasBias, activation);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChannel(Vector256<float> sum, int c, ref float output, ref float residual, nint outputPitch,
        bool hasResidual, int firstLane, int lanes, ref float bias, bool hasBias, ConvActivation activation)
    {
        if (hasBias) sum += Vector256.Create(Unsafe.Add(ref bias, c));
        ref float y = ref Unsafe.Add(ref output, c * outputPitch);
        ref float r = ref Unsafe.Add(ref residual, c * outputPitch);
        if (lanes == 8 && firstLane == 0) Full(sum, ref y, ref r, hasResidual, activation);
        else Lanes(sum, ref y, ref r, hasResidual, firstLane, lanes, activation);
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
