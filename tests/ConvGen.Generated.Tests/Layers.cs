using ConvGen;

// Layers compiled into the test project, each checked against the reference. Together they cover channels per
// group 1, 2, 3, 4, 8, 16, 32, 64; K 1, 3, 5, 7; stride 1-3; padding 0-3; dilation 1-2; bias; every activation;
// depthwise with multiplier 2; depthwise read in place; flat rows read without padding; row tiles; the fused shuffle; blocks of 8 with a remainder; and chunked input channels.
namespace ConvGen.Generated.Tests.Layers
{
    [GroupedConv(Cin = 256, Cout = 256, K = 3, Groups = 32, Padding = 1)]
    public partial class Seed { }

    [GroupedConv(Cin = 16, Cout = 16, K = 3, Groups = 16, Padding = 1)]
    public partial class Depthwise { }

    [GroupedConv(Cin = 24, Cout = 24, K = 3, Groups = 24, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class DepthwiseBiasRelu6 { }

    [GroupedConv(Cin = 8, Cout = 16, K = 3, Groups = 8, Stride = 2, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class DepthwiseMultiplier2Stride2 { }

    [GroupedConv(Cin = 12, Cout = 24, K = 1, Groups = 3, Bias = true, Activation = ConvActivation.Relu)]
    public partial class Pointwise4PerGroup { }

    [GroupedConv(Cin = 6, Cout = 9, K = 1, Groups = 3, ShuffleOutput = true)]
    public partial class Pointwise2PerGroupShuffled { }

    // Stride 2, 3x3, padding 1: row tiles on 32-register machines (16 × 7, and 8 × 28).
    [GroupedConv(Cin = 32, Cout = 32, K = 3, Groups = 2, Stride = 2, Padding = 1)]
    public partial class Wide16Stride2 { }

    [GroupedConv(Cin = 16, Cout = 16, K = 3, Groups = 2, Stride = 2, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class Rows8Stride2 { }

    // 32 output channels a group, 3x3 with stride 1: row tiles on 32-register machines.
    [GroupedConv(Cin = 64, Cout = 64, K = 3, Groups = 2, Padding = 1, Bias = true)]
    public partial class Wide32 { }

    // 32 and 64 output channels a group: position tiles (32 channels × 6 positions) on 32-register machines, but for
    // 3x3 layers with padding 1 and stride 1 or 2 (row tiles).
    [GroupedConv(Cin = 64, Cout = 64, K = 3, Groups = 2, Stride = 2, Padding = 1, Activation = ConvActivation.Relu, ShuffleOutput = true)]
    public partial class Positions32Stride2Shuffled { }

    [GroupedConv(Cin = 8, Cout = 64, K = 5, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class Positions64K5 { }

    [GroupedConv(Cin = 9, Cout = 12, K = 3, Groups = 3, Padding = 2, Dilation = 2, Activation = ConvActivation.Relu)]
    public partial class Dilated3PerGroup { }

    [GroupedConv(Cin = 8, Cout = 8, K = 5, Groups = 2, Padding = 2, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class K5 { }

    [GroupedConv(Cin = 3, Cout = 8, K = 7, Stride = 2, Padding = 3)]
    public partial class Stem7x7 { }

    [GroupedConv(Cin = 8, Cout = 8, K = 5, Groups = 8, Padding = 0, Stride = 3)]
    public partial class DepthwiseK5Stride3 { }

    [GroupedConv(Cin = 4, Cout = 4, K = 3, Groups = 4, Padding = 3, Dilation = 2)]
    public partial class DepthwiseDilatedPad3 { }

    // Depthwise with stride 1 read in place: no padding, padding past the taps' reach, K = 2,
    // a 1x1 with padding (output wider than the input), and 3 groups (bands of rows cut for several threads).
    [GroupedConv(Cin = 5, Cout = 5, K = 3, Groups = 5, Padding = 0, Bias = true)]
    public partial class DepthwisePad0 { }

    [GroupedConv(Cin = 4, Cout = 4, K = 3, Groups = 4, Padding = 2, Activation = ConvActivation.Relu)]
    public partial class DepthwisePad2 { }

    [GroupedConv(Cin = 3, Cout = 3, K = 2, Groups = 3, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class DepthwiseK2 { }

    [GroupedConv(Cin = 3, Cout = 3, K = 1, Groups = 3, Padding = 1)]
    public partial class Depthwise1x1Pad1 { }

    // Depthwise with stride 2 read in place: the input's columns split into even and odd in registers.
    [GroupedConv(Cin = 6, Cout = 6, K = 3, Groups = 6, Stride = 2, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class DepthwiseStride2 { }

    [GroupedConv(Cin = 3, Cout = 3, K = 2, Groups = 3, Stride = 2, Padding = 0)]
    public partial class DepthwiseStride2K2 { }

    // Flat layers whose tiles read rows without padding columns (masked loads where a tap's column leaves the row):
    // dilation 2, and two blocks of 8 with the fused shuffle.
    [GroupedConv(Cin = 8, Cout = 16, K = 3, Groups = 2, Padding = 2, Dilation = 2, Bias = true, Activation = ConvActivation.Relu)]
    public partial class UnpaddedDilated { }

    [GroupedConv(Cin = 32, Cout = 32, K = 3, Groups = 2, Padding = 1, Bias = true, Activation = ConvActivation.Relu6, ShuffleOutput = true)]
    public partial class UnpaddedTwoBlocksShuffled { }

    // Row tiles (16 output channels × 7 positions of a row, no tap in the padding computed): 16 and 48 channels a group.
    [GroupedConv(Cin = 16, Cout = 96, K = 3, Groups = 2, Padding = 1, Bias = true, Activation = ConvActivation.Relu)]
    public partial class Rows48PerGroup { }

    // Position tiles whose first and last rows skip the tap row in the padding, with dilation 2.
    [GroupedConv(Cin = 4, Cout = 32, K = 3, Padding = 2, Dilation = 2, Bias = true, Activation = ConvActivation.Relu)]
    public partial class PositionsDilated { }

    internal static partial class Outer
    {
        [GroupedConv(Cin = 20, Cout = 20, K = 3, Groups = 2, Padding = 1, Bias = true)]
        internal sealed partial class Nested10PerGroup { }
    }
}

[GroupedConv(Cin = 2, Cout = 2, K = 3, Padding = 1)]
internal partial class GlobalNamespaceLayer { }
