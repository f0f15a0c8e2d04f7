namespace ConvGen;

/// <summary>
/// What one call of a tile kernel works on. The input is one group's band in the phase-split padded layout (see
/// <see cref="ConvRules"/>): a tile at flattened output position <c>j = oh·RowPitch + ow</c> reads tap
/// <c>(kh, kw)</c> of input channel <c>ci</c> at <c>Input[ci·ChannelPitch + phase·PhasePitch + rowOffset·RowPitch + colOffset + j]</c>
/// and writes output channel <c>c</c> of its block at <c>Output[c·OutputPitch + j]</c>.
/// A call computes <see cref="Tiles"/> consecutive tiles.
/// </summary>
public ref struct TileArgs
{
    /// <summary>Packed input of the group at the first tile's position.</summary>
    public ref float Input;
    /// <summary>Packed weights of the block: <c>[input channel][tap][packed channel]</c>.</summary>
    public ref float Weights;
    /// <summary>Scratch output of the block's first channel at the first tile's position.</summary>
    public ref float Output;
    /// <summary>Floats per phase-plane row (<c>Wq</c>).</summary>
    public nint RowPitch;
    /// <summary>Floats per phase plane.</summary>
    public nint PhasePitch;
    /// <summary>Floats per input channel (all its phase planes).</summary>
    public nint ChannelPitch;
    /// <summary>Floats between the scratch rows of two output channels.</summary>
    public nint OutputPitch;
    /// <summary>Number of consecutive tiles to compute.</summary>
    public nint Tiles;
    /// <summary>The block being computed (run-time tiles read it; generated tiles know it).</summary>
    public TileBlock Block;
    /// <summary>Input channels of a group (run-time tiles read it).</summary>
    public int InputChannels;
    /// <summary>Each tap's offset from the output position, in floats (run-time tiles read it).</summary>
    public System.ReadOnlySpan<nint> TapOffsets;
}

/// <summary>
/// The tile kernels of one layer, one per <see cref="TileBlock"/>. Generated kernels implement it with a struct
/// whose <see cref="Run"/> switches to fully unrolled, fixed-shape methods.
/// </summary>
public interface ITileKernels
{
    /// <summary>Runs block <paramref name="block"/>'s tile kernel.</summary>
    static abstract void Run(int block, ref TileArgs args);
}
