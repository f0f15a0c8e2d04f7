using ConvGen;
using Xunit;

namespace ConvGen.Tests;

public class GenericKernelTests
{
    public static TheoryData<ConvSpec> Layers() =>
    [
        new ConvSpec(Cin: 16, Cout: 16, K: 3, Groups: 2, Padding: 1),
        new ConvSpec(Cin: 8, Cout: 8, K: 3, Groups: 8, Padding: 1, Bias: true, Activation: ConvActivation.Relu6),
        new ConvSpec(Cin: 6, Cout: 12, K: 3, Groups: 6, Stride: 2, Padding: 1),
        new ConvSpec(Cin: 12, Cout: 9, K: 1, Groups: 3, Bias: true, Activation: ConvActivation.Relu, ShuffleOutput: true),
        new ConvSpec(Cin: 4, Cout: 20, K: 5, Groups: 2, Padding: 3, Dilation: 2),
        new ConvSpec(Cin: 3, Cout: 5, K: 7, Stride: 2, Padding: 2),
        // Padding against the taps' reach (K - 1)·Dilation, which decides whether packed rows share their padding
        // columns: equal (shared, and then the rows are contiguous), below, above (not shared), and depthwise.
        new ConvSpec(Cin: 8, Cout: 8, K: 3, Groups: 2, Padding: 2),
        new ConvSpec(Cin: 8, Cout: 8, K: 5, Groups: 2, Padding: 1, Bias: true),
        new ConvSpec(Cin: 8, Cout: 8, K: 3, Groups: 2, Padding: 1, Dilation: 2),
        new ConvSpec(Cin: 8, Cout: 8, K: 3, Groups: 2, Padding: 3),
        new ConvSpec(Cin: 8, Cout: 8, K: 3, Groups: 8, Padding: 2, Dilation: 2),
    ];

    [Theory]
    [MemberData(nameof(Layers))]
    public void GenericMatchesReference(ConvSpec spec)
    {
        HarnessReport report = ConvHarness.Check(spec, (w, b) => new GenericConv(spec, w, b));
        Assert.True(report.Passed, report.ToString());
    }
}
