using ConvGen;

// Every layer of the three sample blocks, each a kernel generated for exactly its shape. Every layer has a bias:
// the batch norm that follows each convolution in the real networks is folded into its weights and bias at load time.
namespace ConvGen.Samples.Layers
{
    // ResNeXt-50 (32x4d) stage-2 bottleneck, 256 channels at 56x56.
    /// <summary>ResNeXt bottleneck: 1x1 reduce 256→128 + ReLU.</summary>
    [GroupedConv(Cin = 256, Cout = 128, K = 1, Bias = true, Activation = ConvActivation.Relu)]
    public partial class ResNeXtReduce { }

    /// <summary>ResNeXt bottleneck: grouped 3x3 128→128, 32 groups of 4 channels, + ReLU.</summary>
    [GroupedConv(Cin = 128, Cout = 128, K = 3, Groups = 32, Padding = 1, Bias = true, Activation = ConvActivation.Relu)]
    public partial class ResNeXtGrouped { }

    /// <summary>ResNeXt bottleneck: 1x1 expand 128→256; the block input is added in the store, then ReLU.</summary>
    [GroupedConv(Cin = 128, Cout = 256, K = 1, Bias = true, Activation = ConvActivation.Relu)]
    public partial class ResNeXtExpand { }

    // ShuffleNet v1 unit, g = 3, stride 1, 240 channels (bottleneck 60) at 28x28.
    /// <summary>ShuffleNet unit: grouped 1x1 240→60 (G = 3) + ReLU, channel shuffle fused into the store.</summary>
    [GroupedConv(Cin = 240, Cout = 60, K = 1, Groups = 3, Bias = true, Activation = ConvActivation.Relu, ShuffleOutput = true)]
    public partial class ShuffleReduce { }

    /// <summary>ShuffleNet unit: depthwise 3x3 on 60 channels (no activation, as in the paper).</summary>
    [GroupedConv(Cin = 60, Cout = 60, K = 3, Groups = 60, Padding = 1, Bias = true)]
    public partial class ShuffleDepthwise { }

    /// <summary>ShuffleNet unit: grouped 1x1 60→240 (G = 3); the unit input is added in the store, then ReLU.</summary>
    [GroupedConv(Cin = 60, Cout = 240, K = 1, Groups = 3, Bias = true, Activation = ConvActivation.Relu)]
    public partial class ShuffleExpand { }

    // MobileNetV2 inverted residual, expansion 6, 24 channels (144 expanded) at 56x56.
    /// <summary>MobileNetV2 block: 1x1 expand 24→144 + ReLU6.</summary>
    [GroupedConv(Cin = 24, Cout = 144, K = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class MobileExpand { }

    /// <summary>MobileNetV2 block: depthwise 3x3 on 144 channels + ReLU6.</summary>
    [GroupedConv(Cin = 144, Cout = 144, K = 3, Groups = 144, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
    public partial class MobileDepthwise { }

    /// <summary>MobileNetV2 block: 1x1 linear projection 144→24; the block input is added in the store.</summary>
    [GroupedConv(Cin = 144, Cout = 24, K = 1, Bias = true)]
    public partial class MobileProject { }
}
