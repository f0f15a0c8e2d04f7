using System.Collections.Generic;

namespace ConvGen.Generator;

/// <summary>
/// One emitted tile kernel: <see cref="Channels"/> output channels × <see cref="Vectors"/> vectors of 8 output
/// positions held in registers, <see cref="ChunkChannels"/> input channels × all taps unrolled, repeated
/// <see cref="Chunks"/> times. With <see cref="HoldWeights"/> (depthwise) the taps' weights stay in registers
/// across tiles.
/// </summary>
internal readonly record struct TileMethod(int Channels, int Vectors, int ChunkChannels, int Chunks, bool HoldWeights)
{
    public int TileWidth => 8 * Vectors;
    public string Name => $"Tile_{Channels}co_{TileWidth}px" + (HoldWeights ? "_HeldWeights" : "");
    /// <summary>The method that runs a whole segment with this tile, and smaller ones for its last positions.</summary>
    public string SegmentName => "Segment_" + Name.Substring("Tile_".Length);
    public int Accumulators => Channels * Vectors;
}

/// <summary>A block of a group's output channels and the tile method that computes it.</summary>
internal readonly record struct PlannedBlock(int FirstChannel, int Channels, int Method);

/// <summary>How a layer is computed: the schedule, apart from what is computed (the spec).</summary>
internal sealed record KernelPlan(LayerSpec Spec, int Registers, EquatableArray<PlannedBlock> Blocks, EquatableArray<TileMethod> Methods);

/// <summary>
/// Chooses tiles from the spec and the size of the vector register file. Decisions, each a constant here:
/// output channels are blocked 8 at a time with 32 registers (AVX-512's EVEX encoding) and 4 at a time with 16
/// (AVX2 alone), the rest in one smaller block; each block's tile holds as many vectors of 8 positions as the
/// registers allow (accumulators + one input vector per position vector + one broadcast weight, leaving
/// <see cref="SpareRegisters"/>, at most 8 vectors); an unrolled method body holds at most
/// <see cref="FmaBudget"/> FMAs (about 4 local references each: the JIT compiles a method past 8,000 with
/// MinOpts), so input channels are unrolled in chunks that fit and the chunks run in a loop.
/// </summary>
internal static class TilePlanner
{
    public const int WideRegisters = 32;
    public const int NarrowRegisters = 16;
    public const int SpareRegisters = 2;
    public const int MaxVectors = 8;
    public const int FmaBudget = 1024;

    /// <summary>The plan for a register file, or null with the reason when one input channel's taps cannot fit the budget.</summary>
    public static KernelPlan? Plan(LayerSpec spec, int registers, out string? tooLarge)
    {
        tooLarge = null;
        var blocks = new List<PlannedBlock>();
        var methods = new List<TileMethod>();
        int coutG = spec.CoutPerGroup, blockChannels = registers >= WideRegisters ? 8 : 4;
        for (int first = 0; first < coutG; first += blockChannels)
        {
            int channels = System.Math.Min(blockChannels, coutG - first);
            TileMethod? method = Method(spec, channels, registers - SpareRegisters, out tooLarge);
            if (method == null) return null;
            int index = methods.IndexOf(method.Value);
            if (index < 0) { index = methods.Count; methods.Add(method.Value); }
            blocks.Add(new PlannedBlock(first, channels, index));
        }
        return new KernelPlan(spec, registers, new EquatableArray<PlannedBlock>(blocks), new EquatableArray<TileMethod>(methods));
    }

    /// <summary>
    /// The tiles for a segment's last positions, 1 to <c>Vectors - 1</c> vectors wide (each unrolled as far as the
    /// budget allows), then the full tile itself.
    /// </summary>
    public static List<TileMethod> Variants(LayerSpec spec, TileMethod full)
    {
        var variants = new List<TileMethod>();
        for (int vectors = 1; vectors < full.Vectors; vectors++)
            variants.Add(new TileMethod(full.Channels, vectors, Chunk(spec, full.Channels, vectors), 0, full.HoldWeights) with
            {
                Chunks = spec.CinPerGroup / Chunk(spec, full.Channels, vectors),
            });
        variants.Add(full);
        return variants;
    }

    private static int Chunk(LayerSpec spec, int channels, int vectors)
    {
        int cinG = spec.CinPerGroup;
        for (int d = cinG; d >= 1; d--)
            if (cinG % d == 0 && (long)d * spec.Taps * channels * vectors <= FmaBudget) return d;
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
        int chunk = Chunk(spec, channels, vectors);
        return new TileMethod(channels, vectors, chunk, cinG / chunk, holdWeights);
    }
}
