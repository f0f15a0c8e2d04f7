using ConvGen;

// Layers whose tile methods the JIT-tier test checks: the seed, each tile family, and the largest tile bodies
// the planner accepts (K = 11 with 8 output channels per block, K = 32 depthwise, a long chunked 1x1, position
// tiles with K = 5 and with row classes, flat tiles on unpadded rows).
namespace ConvGen.JitProbe
{
    [GroupedConv(Cin = 256, Cout = 256, K = 3, Groups = 32, Padding = 1)]
    internal sealed partial class Seed { }

    [GroupedConv(Cin = 32, Cout = 32, K = 3, Groups = 32, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    internal sealed partial class Depthwise3 { }

    [GroupedConv(Cin = 240, Cout = 240, K = 1, Groups = 3)]
    internal sealed partial class Pointwise240G3 { }

    [GroupedConv(Cin = 512, Cout = 512, K = 1)]
    internal sealed partial class Pointwise512 { }

    [GroupedConv(Cin = 64, Cout = 64, K = 3, Groups = 4, Stride = 2, Padding = 1, Dilation = 2, ShuffleOutput = true)]
    internal sealed partial class Stride2Dilation2Shuffled { }

    [GroupedConv(Cin = 16, Cout = 16, K = 11, Padding = 5)]
    internal sealed partial class Dense11 { }

    [GroupedConv(Cin = 8, Cout = 8, K = 11, Groups = 8, Padding = 5)]
    internal sealed partial class Depthwise11 { }

    [GroupedConv(Cin = 4, Cout = 4, K = 32, Groups = 4, Padding = 16)]
    internal sealed partial class Depthwise32 { }

    [GroupedConv(Cin = 64, Cout = 64, K = 5, Groups = 2, Padding = 2)]
    internal sealed partial class Positions32K5 { }

    // Position tiles whose first and last rows skip the padding's tap row (ResNeXt-50's 1024-channel stage).
    [GroupedConv(Cin = 1024, Cout = 1024, K = 3, Groups = 32, Padding = 1)]
    internal sealed partial class Positions32SkipRows { }

    // Flat tiles reading unpadded rows, two blocks of 8 (ResNeXt-50's 512-channel stage).
    [GroupedConv(Cin = 512, Cout = 512, K = 3, Groups = 32, Padding = 1)]
    internal sealed partial class Unpadded16 { }

    [GroupedConv(Cin = 3, Cout = 64, K = 7, Stride = 2, Padding = 3)]
    internal sealed partial class Stem7 { }

    // Too large to run here (2 GB of weights); its tile methods are only compiled, with PrepareMethod.
    [GroupedConv(Cin = 2048, Cout = 2048, K = 11)]
    internal sealed partial class Huge2048K11 { }
}
