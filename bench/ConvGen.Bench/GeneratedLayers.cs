using System;
using System.Collections.Generic;
using ConvGen;

// The source-generated kernels of the benchmarked layers: one class per distinct layer shape (the input size is a
// Forward argument, so the seed layer at 56x56 and 28x28 share one class). Kernels.Generated picks one by its Spec.
namespace ConvGen.Bench;

[GroupedConv(Cin = 256, Cout = 256, K = 3, Groups = 32, Padding = 1)] public partial class Seed256G32 { }
[GroupedConv(Cin = 128, Cout = 128, K = 3, Groups = 32, Padding = 1)] public partial class ResNeXt128G32 { }
[GroupedConv(Cin = 256, Cout = 256, K = 3, Groups = 32, Stride = 2, Padding = 1)] public partial class ResNeXt256G32S2 { }
[GroupedConv(Cin = 512, Cout = 512, K = 3, Groups = 32, Padding = 1)] public partial class ResNeXt512G32 { }
[GroupedConv(Cin = 1024, Cout = 1024, K = 3, Groups = 32, Padding = 1)] public partial class ResNeXt1024G32 { }
[GroupedConv(Cin = 32, Cout = 32, K = 3, Groups = 32, Padding = 1)] public partial class Depthwise32 { }
[GroupedConv(Cin = 144, Cout = 144, K = 3, Groups = 144, Stride = 2, Padding = 1)] public partial class Depthwise144S2 { }
[GroupedConv(Cin = 192, Cout = 192, K = 3, Groups = 192, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)] public partial class Depthwise192Relu6 { }
[GroupedConv(Cin = 240, Cout = 240, K = 1, Groups = 3)] public partial class Shuffle240G3 { }
[GroupedConv(Cin = 384, Cout = 384, K = 1, Groups = 8, Bias = true, Activation = ConvActivation.Relu)] public partial class Shuffle384G8Relu { }

/// <summary>The generated kernel of a layer, found by its ConvSpec.</summary>
public static class Kernels
{
    private static readonly Dictionary<ConvSpec, Func<float[], float[], int, IConvKernel>> Generated_ = new()
    {
        [Seed256G32.Spec] = (w, b, d) => new Seed256G32(w, b) { MaxDegreeOfParallelism = d },
        [ResNeXt128G32.Spec] = (w, b, d) => new ResNeXt128G32(w, b) { MaxDegreeOfParallelism = d },
        [ResNeXt256G32S2.Spec] = (w, b, d) => new ResNeXt256G32S2(w, b) { MaxDegreeOfParallelism = d },
        [ResNeXt512G32.Spec] = (w, b, d) => new ResNeXt512G32(w, b) { MaxDegreeOfParallelism = d },
        [ResNeXt1024G32.Spec] = (w, b, d) => new ResNeXt1024G32(w, b) { MaxDegreeOfParallelism = d },
        [Depthwise32.Spec] = (w, b, d) => new Depthwise32(w, b) { MaxDegreeOfParallelism = d },
        [Depthwise144S2.Spec] = (w, b, d) => new Depthwise144S2(w, b) { MaxDegreeOfParallelism = d },
        [Depthwise192Relu6.Spec] = (w, b, d) => new Depthwise192Relu6(w, b) { MaxDegreeOfParallelism = d },
        [Shuffle240G3.Spec] = (w, b, d) => new Shuffle240G3(w, b) { MaxDegreeOfParallelism = d },
        [Shuffle384G8Relu.Spec] = (w, b, d) => new Shuffle384G8Relu(w, b) { MaxDegreeOfParallelism = d },
    };

    /// <param name="maxDegreeOfParallelism">The kernel's MaxDegreeOfParallelism: 1 (one thread), -1 (all cores) or N.</param>
    public static IConvKernel Generated(ConvSpec spec, float[] weights, float[] bias, int maxDegreeOfParallelism = 1) =>
        Generated_.TryGetValue(spec, out var create) ? create(weights, bias, maxDegreeOfParallelism)
            : throw new InvalidOperationException($"No generated class for {spec}: add one to GeneratedLayers.cs.");
}
