using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace ConvGen.Robustness.Tests;

/// <summary>A kernel under test: its layer and how to build it from OIHW weights and a bias (empty when the layer has none).</summary>
public sealed record KernelCase(string Name, ConvSpec Spec, Func<float[], float[], IConvKernel> Create)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>
/// Every kernel the robustness tests run against. Generic and reference kernels are listed for each layer of
/// <see cref="Layers"/>; a generated kernel is one more line in <see cref="All"/>, e.g.
/// <c>new("Generated MobileNetDw", MobileNetDw.Spec, (w, b) => new MobileNetDw(w, b))</c>.
/// </summary>
public static class Kernels
{
    /// <summary>Layers covering every tile family of the generic kernel, groups, stride, padding, dilation and the epilogue.</summary>
    public static readonly ConvSpec[] Layers =
    [
        new(Cin: 16, Cout: 16, K: 3, Groups: 2, Padding: 1),
        new(Cin: 8, Cout: 8, K: 3, Groups: 8, Padding: 1, Bias: true, Activation: ConvActivation.Relu6),
        new(Cin: 6, Cout: 12, K: 3, Groups: 6, Stride: 2, Padding: 1, Activation: ConvActivation.Relu),
        new(Cin: 12, Cout: 9, K: 1, Groups: 3, Bias: true, Activation: ConvActivation.Relu, ShuffleOutput: true),
        new(Cin: 4, Cout: 20, K: 5, Groups: 2, Padding: 3, Dilation: 2, Bias: true),
        new(Cin: 3, Cout: 5, K: 7, Stride: 3, Padding: 2, Activation: ConvActivation.Relu6),
        new(Cin: 2, Cout: 3, K: 3, Dilation: 2), // no padding: the input must be at least 5×5
    ];

    /// <summary>All kernels under test.</summary>
    public static readonly IReadOnlyList<KernelCase> All = Build();

    private static List<KernelCase> Build()
    {
        var all = new List<KernelCase>();
        foreach (ConvSpec spec in Layers)
        {
            all.Add(new($"Generic {spec}", spec, (w, b) => new GenericConv(spec, w, b)));
            all.Add(new($"Reference {spec}", spec, (w, b) => new ReferenceConv(spec, w, b)));
        }
        all.Add(new("Generated GroupedPadded", GroupedPadded.Spec, (w, b) => new GroupedPadded(w, b)));
        all.Add(new("Generated DepthwiseRelu6", DepthwiseRelu6.Spec, (w, b) => new DepthwiseRelu6(w, b)));
        all.Add(new("Generated DepthwiseMultiplier2Stride2", DepthwiseMultiplier2Stride2.Spec, (w, b) => new DepthwiseMultiplier2Stride2(w, b)));
        all.Add(new("Generated PointwiseShuffled", PointwiseShuffled.Spec, (w, b) => new PointwiseShuffled(w, b)));
        all.Add(new("Generated DilatedK5", DilatedK5.Spec, (w, b) => new DilatedK5(w, b)));
        all.Add(new("Generated K7Stride3", K7Stride3.Spec, (w, b) => new K7Stride3(w, b)));
        all.Add(new("Generated DilatedNoPadding", DilatedNoPadding.Spec, (w, b) => new DilatedNoPadding(w, b)));
        all.Add(new("Generated Seed", Seed.Spec, (w, b) => new Seed(w, b)));
        all.Add(new("Generated PositionTiles", PositionTiles.Spec, (w, b) => new PositionTiles(w, b)));
        all.Add(new("Generated RowTiles", RowTiles.Spec, (w, b) => new RowTiles(w, b)));
        all.Add(new("Generated RowTilesStride2", RowTilesStride2.Spec, (w, b) => new RowTilesStride2(w, b)));
        all.Add(new("Generated DepthwiseStride2", DepthwiseStride2.Spec, (w, b) => new DepthwiseStride2(w, b)));
        return all;
    }

    /// <summary>Theory data: the names of <see cref="All"/>.</summary>
    public static TheoryData<string> Names() => new(All.Select(k => k.Name));

    /// <summary>The kernel case called <paramref name="name"/>.</summary>
    public static KernelCase Get(string name) => All.Single(k => k.Name == name);

    /// <summary>Builds the case's kernel with random weights (and bias), returning them too.</summary>
    public static IConvKernel Build(KernelCase kernel, int seed, out float[] weights, out float[] bias)
    {
        var random = new Random(seed);
        weights = RandomArray(random, kernel.Spec.WeightLength);
        bias = RandomArray(random, kernel.Spec.BiasLength);
        return kernel.Create(weights, bias);
    }

    /// <summary>Uniform floats in [-1, 1).</summary>
    public static float[] RandomArray(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}

// The same layers as generated kernels (and the seed layer), so that every robustness test covers them too.
[GroupedConv(Cin = 16, Cout = 16, K = 3, Groups = 2, Padding = 1)]
internal sealed partial class GroupedPadded { }

[GroupedConv(Cin = 8, Cout = 8, K = 3, Groups = 8, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
internal sealed partial class DepthwiseRelu6 { }

[GroupedConv(Cin = 6, Cout = 12, K = 3, Groups = 6, Stride = 2, Padding = 1, Activation = ConvActivation.Relu)]
internal sealed partial class DepthwiseMultiplier2Stride2 { }

// Depthwise with stride 2 reads its input in place (its columns split into even and odd in registers).
[GroupedConv(Cin = 6, Cout = 6, K = 3, Groups = 6, Stride = 2, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
internal sealed partial class DepthwiseStride2 { }

[GroupedConv(Cin = 12, Cout = 9, K = 1, Groups = 3, Bias = true, Activation = ConvActivation.Relu, ShuffleOutput = true)]
internal sealed partial class PointwiseShuffled { }

[GroupedConv(Cin = 4, Cout = 20, K = 5, Groups = 2, Padding = 3, Dilation = 2, Bias = true)]
internal sealed partial class DilatedK5 { }

[GroupedConv(Cin = 3, Cout = 5, K = 7, Stride = 3, Padding = 2, Activation = ConvActivation.Relu6)]
internal sealed partial class K7Stride3 { }

[GroupedConv(Cin = 2, Cout = 3, K = 3, Dilation = 2)]
internal sealed partial class DilatedNoPadding { }

[GroupedConv(Cin = 256, Cout = 256, K = 3, Groups = 32, Padding = 1)]
internal sealed partial class Seed { }

// 32 output channels a group, dilation 2: position tiles on 32-register machines.
[GroupedConv(Cin = 32, Cout = 64, K = 3, Groups = 2, Padding = 2, Dilation = 2, Bias = true, Activation = ConvActivation.Relu)]
internal sealed partial class PositionTiles { }

// 16 output channels a group: row tiles on 32-register machines (rows at least 14 wide, every weight finite).
[GroupedConv(Cin = 32, Cout = 32, K = 3, Groups = 2, Padding = 1, Bias = true, Activation = ConvActivation.Relu6)]
internal sealed partial class RowTiles { }

// Stride 2: row tiles reading the input in place (16 × 7: output rows of 8 at the robustness tests' width of 15).
[GroupedConv(Cin = 16, Cout = 32, K = 3, Groups = 2, Stride = 2, Padding = 1, Activation = ConvActivation.Relu)]
internal sealed partial class RowTilesStride2 { }
