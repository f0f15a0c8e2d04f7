using System;

namespace ConvGen;

/// <summary>
/// One block of a group's output channels computed by one tile kernel: channels
/// <c>[FirstChannel, FirstChannel + Channels)</c> of the group, weights packed <see cref="PackedChannels"/> wide
/// (extra channels are zero), <see cref="TileWidth"/> output positions per tile.
/// </summary>
public readonly record struct TileBlock(int FirstChannel, int Channels, int PackedChannels, int TileWidth);

/// <summary>
/// How a kernel cuts one group's output channels into blocks, and the weight packing that follows from it:
/// for group g, block b: <c>[input channel][tap][packed channel]</c>, so that a tile broadcasts the weights of
/// one input channel and tap for all its output channels from consecutive floats.
/// </summary>
public sealed class TilePlan
{
    private readonly TileBlock[] _blocks;
    private readonly int[] _blockOffsets;

    /// <summary>Creates a plan; the blocks must cover the group's output channels in order.</summary>
    public TilePlan(ConvSpec spec, params TileBlock[] blocks)
    {
        ConvSpec.ThrowIfDefault(spec, nameof(spec));
        ArgumentNullException.ThrowIfNull(blocks);
        Spec = spec;
        _blocks = (TileBlock[])blocks.Clone();
        _blockOffsets = new int[_blocks.Length];
        int next = 0, offset = 0;
        for (int b = 0; b < _blocks.Length; b++)
        {
            TileBlock block = _blocks[b];
            if (block.FirstChannel != next || block.Channels < 1 || block.PackedChannels < block.Channels
                || block.TileWidth < 1)
                throw new ArgumentException($"Block {b} ({block}) does not continue the blocks before it.", nameof(blocks));
            next += block.Channels;
            _blockOffsets[b] = offset;
            offset += spec.CinPerGroup * spec.Taps * block.PackedChannels;
            MaxTileWidth = Math.Max(MaxTileWidth, block.TileWidth);
        }
        if (next != spec.CoutPerGroup)
            throw new ArgumentException($"The blocks cover {next} output channels of a group, not {spec.CoutPerGroup}.", nameof(blocks));
        GroupWeightLength = offset;
    }

    /// <summary>The layer.</summary>
    public ConvSpec Spec { get; }
    /// <summary>The blocks of one group.</summary>
    public ReadOnlySpan<TileBlock> Blocks => _blocks;
    /// <summary>Packed weight floats per group.</summary>
    public int GroupWeightLength { get; }
    /// <summary>Widest tile of any block.</summary>
    public int MaxTileWidth { get; }

    /// <summary>Where block <paramref name="block"/> of group <paramref name="group"/> starts in the packed weights.</summary>
    public int WeightOffset(int group, int block) => group * GroupWeightLength + _blockOffsets[block];

    /// <summary>Packs OIHW weights <c>[Cout, Cin/G, K, K]</c> into this plan's layout (length checked).</summary>
    public float[] PackWeights(ReadOnlySpan<float> weights)
    {
        ConvSpec s = Spec;
        if (weights.Length != s.WeightLength)
            throw new ArgumentException($"weights must hold {s.WeightLength} floats (OIHW), but holds {weights.Length}.", nameof(weights));
        var packed = new float[s.Groups * GroupWeightLength];
        int cinG = s.CinPerGroup, taps = s.Taps;
        for (int g = 0; g < s.Groups; g++)
        for (int b = 0; b < _blocks.Length; b++)
        {
            TileBlock block = _blocks[b];
            int at = WeightOffset(g, b);
            for (int ci = 0; ci < cinG; ci++)
            for (int t = 0; t < taps; t++)
            for (int c = 0; c < block.PackedChannels; c++, at++)
            {
                if (c >= block.Channels) continue;
                int oc = g * s.CoutPerGroup + block.FirstChannel + c;
                packed[at] = weights[(oc * cinG + ci) * taps + t];
            }
        }
        return packed;
    }
}
