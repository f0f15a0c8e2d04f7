using System;

namespace ConvGen;

/// <summary>
/// Put on a <c>partial</c> class to have ConvGen's source generator write a grouped 2-D convolution kernel
/// specialised for exactly this shape. Semantics are those of PyTorch <c>nn.Conv2d</c> / ONNX <c>Conv</c>:
/// NCHW input and output, OIHW weights <c>[Cout, Cin/Groups, K, K]</c>, zero padding on all four sides.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class GroupedConvAttribute : Attribute
{
    /// <summary>Input channels; divisible by <see cref="Groups"/>.</summary>
    public int Cin { get; set; }
    /// <summary>Output channels; divisible by <see cref="Groups"/>.</summary>
    public int Cout { get; set; }
    /// <summary>Square kernel size.</summary>
    public int K { get; set; }
    /// <summary>Channel groups. <c>Groups == Cin</c> is depthwise (Cout may then be a multiple of Cin).</summary>
    public int Groups { get; set; } = 1;
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Zero padding on all four sides.</summary>
    public int Padding { get; set; }
    /// <summary>Dilation of the kernel taps.</summary>
    public int Dilation { get; set; } = 1;
    /// <summary>Whether a per-output-channel bias is added (the constructor then requires it).</summary>
    public bool Bias { get; set; }
    /// <summary>The activation fused into the store.</summary>
    public ConvActivation Activation { get; set; }
    /// <summary>
    /// Fuse ShuffleNet's channel shuffle into the store: output channel <c>g·(Cout/G) + i</c> is written to
    /// channel position <c>i·G + g</c>. Requires <c>Groups &gt; 1</c>.
    /// </summary>
    public bool ShuffleOutput { get; set; }
}
