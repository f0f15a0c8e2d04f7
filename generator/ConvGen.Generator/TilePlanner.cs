using System.Collections.Generic;

namespace ConvGen.Generator;

/// <summary>
/// One emitted tile kernel: <see cref="Channels"/> output channels × <see cref="Vectors"/> vectors of 8 output
/// positions held in registers, <see cref="ChunkChannels"/> input channels × all taps unrolled, repeated
/// <see cref="Chunks"/> times. With <see cref="HoldWeights"/> (depthwise) the taps' weights stay in registers
/// across tiles. With <see cref="UnpaddedRows"/> it reads rows without padding columns and masks the lanes whose
/// tap column falls outside the row (<c>ITileKernels.ReadsUnpaddedRows</c>); with <see cref="SkippedRow"/> 0 or K − 1
/// it leaves out that tap row, which lies in the padding for the segment's rows (the first or last rows).
/// </summary>
internal readonly record struct TileMethod(int Channels, int Vectors, int ChunkChannels, int Chunks, bool HoldWeights, bool UnpaddedRows = false,
    int SkippedRow = -1)
{
    public int TileWidth => 8 * Vectors;
    public string Name => $"Tile_{Channels}co_{TileWidth}px" + (HoldWeights ? "_HeldWeights" : "") + (UnpaddedRows ? "_Unpadded" : "")
        + SkippedRowSuffix(SkippedRow);

    /// <summary>The name suffix of a tile variant without tap row <paramref name="skippedRow"/> (0: the top one; -1: none).</summary>
    public static string SkippedRowSuffix(int skippedRow) => skippedRow < 0 ? "" : skippedRow == 0 ? "_NoTopRow" : "_NoBottomRow";
    /// <summary>The method that runs a whole segment with this tile, and smaller ones for its last positions.</summary>
    public string SegmentName => "Segment_" + Name.Substring("Tile_".Length);
    public int Accumulators => Channels * Vectors;
}

/// <summary>
/// The position tile of a layer with short rows: <see cref="Channels"/> output channels (consecutive blocks of 8)
/// × <see cref="Positions"/> output positions, vectorised over the channels; <see cref="ChunkChannels"/> input
/// channels × all taps unrolled, repeated <see cref="Chunks"/> times.
/// </summary>
internal readonly record struct PositionTile(int Channels, int Positions, int ChunkChannels, int Chunks, bool SkipsPaddingRows = false)
{
    /// <summary>The method that runs a band's positions in tiles.</summary>
    public string Name => $"Positions_{Channels}co";
    public int Vectors => Channels / 8;
}

/// <summary>
/// The row tile of a 3x3 layer with padding 1 and stride 1 or 2: <see cref="Channels"/> output channels (blocks of 8) ×
/// <see cref="Positions"/> consecutive positions of one row, vectorised over the channels, one input channel ×
/// every tap unrolled. Each input float broadcast feeds the taps of every position it is in (up to K FMAs a block),
/// and the row's first and last tiles leave out the taps whose column is in the padding.
/// </summary>
internal readonly record struct RowTile(int Channels, int Positions)
{
    /// <summary>The method that runs a segment of whole rows in row tiles.</summary>
    public string Name => $"Rows_{Channels}co";
    public int Vectors => Channels / 8;
}

/// <summary>A block of a group's output channels and the tile method that computes it.</summary>
internal readonly record struct PlannedBlock(int FirstChannel, int Channels, int Method);

/// <summary>How a layer is computed: the schedule, apart from what is computed (the spec).</summary>
internal sealed record KernelPlan(LayerSpec Spec, int Registers, EquatableArray<PlannedBlock> Blocks, EquatableArray<TileMethod> Methods,
    PositionTile? Positions = null, bool InPlace = false, RowTile? Rows = null)
{
    /// <summary>Whether the tiles read rows without padding columns (all methods or none).</summary>
    public bool UnpaddedRows => Methods.Count > 0 && Methods[0].UnpaddedRows;
}

/// <summary>
/// Chooses tiles from the spec and the size of the vector register file. Decisions, each a constant here:
/// output channels are blocked 8 at a time with 32 registers (AVX-512's EVEX encoding) and 4 at a time with 16
/// (AVX2 alone), the rest in one smaller block; each block's tile holds as many vectors of 8 positions as the
/// registers allow (accumulators + one input vector per position vector + one broadcast weight, leaving
/// <see cref="SpareRegisters"/>, at most 8 vectors); one input channel's taps must fit <see cref="FmaBudget"/>
/// FMAs (about 4 local references each: the JIT compiles a method past 8,000 with MinOpts), and input channels
/// are unrolled in chunks of about <see cref="FullTileUnroll"/> FMAs (<see cref="TailTileUnroll"/> for the
/// narrower tiles that end a segment) that run in a loop — enough to hide the loop, small enough to keep the
/// generated files and the JIT's work modest.
/// </summary>
internal static class TilePlanner
{
    public const int WideRegisters = 32;
    public const int NarrowRegisters = 16;
    public const int SpareRegisters = 2;
    public const int MaxVectors = 8;
    public const int FmaBudget = 1024;
    /// <summary>FMAs a full-width tile unrolls before it loops over input-channel chunks.</summary>
    public const int FullTileUnroll = 512;
    /// <summary>FMAs a narrower tail tile unrolls: they run once per segment, so they are kept short.</summary>
    public const int TailTileUnroll = 128;
    /// <summary>Output channels per group, bounded so that the generated block lists stay short (at most 4,096 lines).</summary>
    public const int MaxChannelsPerGroup = 16384;

    /// <summary>The plan for a register file, or null with the reason when one input channel's taps cannot fit the budget.</summary>
    public static KernelPlan? Plan(LayerSpec spec, int registers, out string? tooLarge)
    {
        tooLarge = null;
        var blocks = new List<PlannedBlock>();
        var methods = new List<TileMethod>();
        int coutG = spec.CoutPerGroup, blockChannels = registers >= WideRegisters ? 8 : 4;
        if (coutG > MaxChannelsPerGroup)
        {
            tooLarge = $"Cout/Groups = {coutG} output channels per group would need {(coutG + blockChannels - 1) / blockChannels} " +
                $"blocks of {blockChannels}, each a line of the generated plan; at most {MaxChannelsPerGroup} output channels per group are supported";
            return null;
        }
        for (int first = 0; first < coutG; first += blockChannels)
        {
            int channels = System.Math.Min(blockChannels, coutG - first);
            TileMethod? method = Method(spec, channels, registers - SpareRegisters, out tooLarge);
            if (method == null) return null;
            int index = methods.IndexOf(method.Value);
            if (index < 0) { index = methods.Count; methods.Add(method.Value); }
            blocks.Add(new PlannedBlock(first, channels, index));
        }
        // Layers with row tiles run them rather than position tiles (both vectorise over channels).
        RowTile? rows = registers >= WideRegisters ? Rows(spec, methods) : null;
        PositionTile? positions = registers >= WideRegisters && rows == null ? Positions(spec) : null;
        if (registers >= WideRegisters && positions == null && UnpaddedRows(spec, methods))
            for (int i = 0; i < methods.Count; i++)
            {
                // Half the unroll: these tiles hold their input channels twice (plain and masked) and come in three row
                // variants. Same speed; the seed layer's first call (the JIT) 55 → 46 ms.
                int chunk = Chunk(spec, methods[i].Channels, methods[i].Vectors, FullTileUnroll / 2);
                methods[i] = methods[i] with { UnpaddedRows = true, ChunkChannels = chunk, Chunks = spec.CinPerGroup / chunk };
            }
        return new KernelPlan(spec, registers, new EquatableArray<PlannedBlock>(blocks), new EquatableArray<TileMethod>(methods),
            positions, registers >= WideRegisters && InPlace(spec, methods), rows);
    }

    /// <summary>
    /// The row tile (<see cref="RowTile"/>), for 3x3 layers with padding 1, no dilation, output channels per group a
    /// multiple of 8, and stride 1 (whose flat tiles read unpadded rows) or 2 (enough products per output); else null.
    /// With a multiple of 16, 16 channels × 7 positions of a row (14 accumulators, 6 weight vectors for a tap row's 3 taps, a broadcast: 21 of 32 registers): rows of 7, 14,
    /// 28 and 56 are whole tiles. Else 8 channels × 28 positions (28 accumulators, 3 weight vectors, a broadcast: all
    /// 32 registers, none spilled): rows of 28 and 56 are whole tiles. In other rows the last tile overlaps the one
    /// before it. Each input float is broadcast once for the taps of the positions it is in, and no tap in the padding
    /// is computed (flat tiles compute the column taps in the padding as zeros, and their 16- or 24-wide tiles leave
    /// lanes idle on rows of 14 or 28), fastest of 300 calls: ResNeXt 512 at 14x14 0.280 → 0.240 ms, 1024 at 7x7 0.262
    /// → 0.216, the seed layer at 56x56 1.084 → 1.069 and at 28x28 0.287 → 0.266 (8 × 14 tiles: 1.084 and 0.273).
    /// With stride 2 they read the input where it is (no phase-split copy), each input float feeding 1 or 2 taps a
    /// block: ResNeXt 256 with stride 2 from 56x56 0.400 → 0.273 ms.
    /// </summary>
    private static RowTile? Rows(LayerSpec spec, List<TileMethod> methods)
    {
        if (spec.K != 3 || spec.Padding != 1 || spec.Dilation != 1 || spec.CoutPerGroup % 8 != 0
            || !(spec.Stride == 1 ? UnpaddedRows(spec, methods) : spec.Stride == 2 && (long)spec.CinPerGroup * spec.Taps >= ConvRules.FlatMinTerms))
            return null;
        return spec.CoutPerGroup % 16 == 0 ? new RowTile(16, 7) : new RowTile(8, 28);
    }

    /// <summary>
    /// Whether the flat tiles read rows without padding columns (32 registers; no position tile): layers with
    /// stride 1, K = 3 and <c>Padding = Dilation</c> (output rows as wide as input rows) and tiles of at most 3
    /// vectors, so that the masks of the lanes whose tap column falls outside the row (2 a vector) fit AVX-512's 7
    /// mask registers. Then the rows whose taps lie inside the input are read where they are, no padding lane is
    /// computed and the output is stored in place (no packed copy, no copy of the output): the seed layer at 56x56
    /// 1.21 → 1.11 ms, at 28x28 0.319 → 0.298, ResNeXt 512 at 14x14 0.317 → 0.300 (fastest of 300 calls). The
    /// masked loads cost: plain loads everywhere (wrong at the row ends) would give 1.06, 0.275 and 0.278 ms; so
    /// tiles whose taps all lie inside their row load plainly. The first and last rows run variants without the tap
    /// row in the padding (<see cref="TileMethod.SkippedRow"/>), in place too: 1.114 → 1.099, 0.298 → 0.287 and
    /// 0.299 → 0.278 ms.
    /// </summary>
    private static bool UnpaddedRows(LayerSpec spec, List<TileMethod> methods) =>
        SameWidth3x3(spec) && (long)spec.CinPerGroup * spec.Taps >= ConvRules.FlatMinTerms
        && methods.TrueForAll(m => !m.HoldWeights && m.Vectors <= 3);

    /// <summary>
    /// Whether the layer reads its input in place (no packed copy): depthwise-like layers whose one tile holds its
    /// weights, with stride 1 or 2, no dilation, K ≤ 3 and padding ≤ 8, on 32 registers. With stride 1 their rows'
    /// whole vectors run in the held-weights tiles; the vectors at the row ends four rows at once with plain loads
    /// whose lanes outside the row are zeroed, with a middle of one or two vectors (rows of 28) in the same tile (9
    /// weights, up to 16 accumulators, 3 masks and an input vector: 29 registers);
    /// the rows whose taps reach the top or bottom padding with masked loads. With stride 2 four output rows at once
    /// split their 9 input rows into even and odd columns in registers. Against packing: depthwise 32 at 112x112
    /// 0.115 → 0.090 ms, 192 at 28x28 0.058 → 0.056 ms (faster at every width measured from 7 to 112), 144 with
    /// stride 2 from 56x56 0.101 → 0.060 ms.
    /// </summary>
    private static bool InPlace(LayerSpec spec, List<TileMethod> methods) =>
        methods.Count == 1 && methods[0].HoldWeights && spec.Stride <= 2 && spec.Dilation == 1 && spec.K <= 3 && spec.Padding <= 8;

    /// <summary>3x3 with stride 1 and Padding = Dilation: output rows as wide as input rows, one tap row in the padding at each end.</summary>
    private static bool SameWidth3x3(LayerSpec spec) => spec.Stride == 1 && spec.K == 3 && spec.Padding == spec.Dilation;

    /// <summary>
    /// The position tile, for layers that run in flat segments (K &gt; 1, enough products per output) with output
    /// channels per group a multiple of 32: 32 channels × 6 positions (24 accumulators, 4 weight vectors and a
    /// broadcast that feeds 4 FMAs: 29 of 32 registers; none with 16). With 16 channels × 8 positions a broadcast
    /// feeds only 2 FMAs: measured slower than flat tiles at 14x14 (0.324 against 0.315 ms), so not emitted. With
    /// stride 1, K = 3 and Padding = Dilation the first and last rows run tiles without the tap row that lies in the
    /// padding (at 7x7, 14 of 49 positions skip a third of their taps). Layers with row tiles do not get them.
    /// </summary>
    private static PositionTile? Positions(LayerSpec spec)
    {
        const int channels = 32, positions = 6;
        if (spec.K == 1 || spec.CoutPerGroup % channels != 0 || (long)spec.CinPerGroup * spec.Taps < ConvRules.FlatMinTerms
            || (long)spec.Taps * channels / 8 * positions > FmaBudget)
            return null;
        int chunk = Chunk(spec, channels / 8 * positions, 1, FullTileUnroll);
        return new PositionTile(channels, positions, chunk, spec.CinPerGroup / chunk,
            SameWidth3x3(spec));
    }

    /// <summary>
    /// The tiles for a segment's last positions, 1 to <c>Vectors - 1</c> vectors wide (each unrolled as far as the
    /// budget allows), then the full tile itself.
    /// </summary>
    public static List<TileMethod> Variants(LayerSpec spec, TileMethod full)
    {
        var variants = new List<TileMethod>();
        for (int vectors = 1; vectors < full.Vectors; vectors++)
        {
            int chunk = Chunk(spec, full.Channels, vectors, TailTileUnroll);
            variants.Add(full with { Vectors = vectors, ChunkChannels = chunk, Chunks = spec.CinPerGroup / chunk });
        }
        variants.Add(full);
        return variants;
    }

    /// <summary>
    /// Output rows a held-weights tile <paramref name="vectors"/> wide computes at once (stride 1, no dilation):
    /// consecutive rows share input rows, so each vector loaded feeds up to K rows' taps. Four when four rows of
    /// accumulators fit 32 registers beside the weights and the 16-register plan never holds this layer's weights
    /// (tile methods are shared by name between the plans), else two (one for other strides and dilations). Tiles
    /// are not narrowed for it: 5-vector tiles four rows at once measured slower than 7-vector ones two rows at
    /// once at 112x112 (0.110 against 0.108 ms); 4-vector rows (28 wide) gain (0.061 → 0.058 ms).
    /// </summary>
    public static int RowsAtOnce(LayerSpec spec, int vectors)
    {
        if (spec.Stride != 1 || spec.Dilation != 1) return 1;
        bool narrowHolds = spec.Taps + MaxVectors + 1 <= NarrowRegisters - SpareRegisters;
        return !narrowHolds && 4 * vectors + spec.Taps + 1 <= WideRegisters - SpareRegisters ? 4 : 2;
    }

    /// <summary>The most input channels (a divisor of Cin/G, at least 1) whose taps fit <paramref name="unroll"/> FMAs.</summary>
    private static int Chunk(LayerSpec spec, int channels, int vectors, int unroll)
    {
        int cinG = spec.CinPerGroup;
        for (int d = System.Math.Min(cinG, unroll); d >= 1; d--)
            if (cinG % d == 0 && (long)d * spec.Taps * channels * vectors <= unroll) return d;
        return 1;
    }

    private static TileMethod? Method(LayerSpec spec, int channels, int budget, out string? tooLarge)
    {
        tooLarge = null;
        int taps = spec.Taps, cinG = spec.CinPerGroup;
        // One broadcast register, and (for more than one channel) one register per input vector.
        int vectors = System.Math.Min(MaxVectors, channels == 1 ? budget - 1 : (budget - 1) / (channels + 1));
        bool holdWeights = channels == 1 && cinG == 1 && taps + vectors + 1 <= budget;
        while (vectors > 1 && (long)taps * channels * vectors > FmaBudget) vectors--;
        if ((long)taps * channels * vectors > FmaBudget)
        {
            tooLarge = $"one input channel's {spec.K}x{spec.K} = {taps} taps for {channels} output channels need " +
                $"{(long)taps * channels} FMAs, more than the {FmaBudget} one tile method may unroll " +
                "(past about 8,000 local references the JIT compiles a method without optimisation); use K <= 11";
            return null;
        }
        int chunk = Chunk(spec, channels, vectors, FullTileUnroll);
        return new TileMethod(channels, vectors, chunk, cinG / chunk, holdWeights);
    }
}
