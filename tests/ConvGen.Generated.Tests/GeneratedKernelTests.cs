using System;
using System.Collections.Generic;
using ConvGen.Generated.Tests.Layers;
using Xunit;

namespace ConvGen.Generated.Tests;

public class GeneratedKernelTests
{
    public static readonly Dictionary<string, (ConvSpec Spec, Func<float[], float[], IConvKernel> Create)> Kernels = new()
    {
        [nameof(Seed)] = (Seed.Spec, (w, b) => new Seed(w, b)),
        [nameof(Depthwise)] = (Depthwise.Spec, (w, b) => new Depthwise(w, b)),
        [nameof(DepthwiseBiasRelu6)] = (DepthwiseBiasRelu6.Spec, (w, b) => new DepthwiseBiasRelu6(w, b)),
        [nameof(DepthwiseMultiplier2Stride2)] = (DepthwiseMultiplier2Stride2.Spec, (w, b) => new DepthwiseMultiplier2Stride2(w, b)),
        [nameof(Pointwise4PerGroup)] = (Pointwise4PerGroup.Spec, (w, b) => new Pointwise4PerGroup(w, b)),
        [nameof(Pointwise2PerGroupShuffled)] = (Pointwise2PerGroupShuffled.Spec, (w, b) => new Pointwise2PerGroupShuffled(w, b)),
        [nameof(Wide16Stride2)] = (Wide16Stride2.Spec, (w, b) => new Wide16Stride2(w, b)),
        [nameof(Wide32)] = (Wide32.Spec, (w, b) => new Wide32(w, b)),
        [nameof(Positions32Stride2Shuffled)] = (Positions32Stride2Shuffled.Spec, (w, b) => new Positions32Stride2Shuffled(w, b)),
        [nameof(Positions64K5)] = (Positions64K5.Spec, (w, b) => new Positions64K5(w, b)),
        [nameof(Dilated3PerGroup)] = (Dilated3PerGroup.Spec, (w, b) => new Dilated3PerGroup(w, b)),
        [nameof(K5)] = (K5.Spec, (w, b) => new K5(w, b)),
        [nameof(Stem7x7)] = (Stem7x7.Spec, (w, b) => new Stem7x7(w, b)),
        [nameof(DepthwiseK5Stride3)] = (DepthwiseK5Stride3.Spec, (w, b) => new DepthwiseK5Stride3(w, b)),
        [nameof(DepthwiseDilatedPad3)] = (DepthwiseDilatedPad3.Spec, (w, b) => new DepthwiseDilatedPad3(w, b)),
        [nameof(Outer.Nested10PerGroup)] = (Outer.Nested10PerGroup.Spec, (w, b) => new Outer.Nested10PerGroup(w, b)),
        [nameof(GlobalNamespaceLayer)] = (GlobalNamespaceLayer.Spec, (w, b) => new GlobalNamespaceLayer(w, b)),
    };

    public static TheoryData<string> Names() => new(Kernels.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void GeneratedMatchesReference(string name)
    {
        (ConvSpec spec, Func<float[], float[], IConvKernel> create) = Kernels[name];
        HarnessReport report = ConvHarness.Check(spec, create);
        Assert.True(report.Passed, report.ToString());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GenericMatchesReference(string name)
    {
        ConvSpec spec = Kernels[name].Spec;
        HarnessReport report = ConvHarness.Check(spec, (w, b) => new GenericConv(spec, w, b));
        Assert.True(report.Passed, report.ToString());
    }
}
