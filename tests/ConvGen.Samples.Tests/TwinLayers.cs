using ConvGen;

// Unfused twins of layers: the same shape without the fused shuffle or activation, to check the fused store
// against the separate passes it replaces.
namespace ConvGen.Samples.Tests.Twins
{
    /// <summary>ShuffleReduce without the fused shuffle.</summary>
    [GroupedConv(Cin = 240, Cout = 60, K = 1, Groups = 3, Bias = true, Activation = ConvActivation.Relu)]
    public partial class ShuffleReduceUnshuffled { }

    /// <summary>A small grouped 3x3 with 4 output channels per group, shuffled.</summary>
    [GroupedConv(Cin = 6, Cout = 12, K = 3, Groups = 3, Padding = 1, ShuffleOutput = true)]
    public partial class Small3x3Shuffled { }

    /// <summary>Small3x3Shuffled without the fused shuffle.</summary>
    [GroupedConv(Cin = 6, Cout = 12, K = 3, Groups = 3, Padding = 1)]
    public partial class Small3x3 { }

    /// <summary>ResNeXtExpand without its ReLU.</summary>
    [GroupedConv(Cin = 128, Cout = 256, K = 1, Bias = true)]
    public partial class ResNeXtExpandLinear { }

    /// <summary>MobileExpand without its ReLU6 (to check the residual with ReLU6 fused).</summary>
    [GroupedConv(Cin = 24, Cout = 144, K = 1, Bias = true)]
    public partial class MobileExpandLinear { }
}
