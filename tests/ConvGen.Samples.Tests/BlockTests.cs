using System;
using System.Linq;
using Xunit;

namespace ConvGen.Samples.Tests;

public class BlockTests
{
    public static TheoryData<string, KernelKind, int, int, int> Cases()
    {
        var data = new TheoryData<string, KernelKind, int, int, int>();
        foreach (string block in new[] { "ResNeXt", "ShuffleNet", "MobileNetV2" })
        foreach (KernelKind kind in new[] { KernelKind.Generated, KernelKind.Generic, KernelKind.Reference })
        foreach ((int h, int w, int n) in new[] { (1, 1, 1), (5, 7, 1), (11, 9, 2) })
            data.Add(block, kind, h, w, n);
        return data;
    }

    private static BlockDefinition Block(string name) => name switch
    {
        "ResNeXt" => Blocks.ResNeXt,
        "ShuffleNet" => Blocks.ShuffleNet,
        _ => Blocks.MobileNetV2,
    };

    /// <summary>
    /// The block, built from each kind of kernel, against the block composed by hand from the architecture: reference
    /// convolutions without anything fused, then the activations, the shuffle and the shortcut as separate passes.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void BlockMatchesItsReferenceComposition(string name, KernelKind kind, int height, int width, int batch)
    {
        BlockDefinition definition = Block(name);
        LayerParameters[] parameters = definition.LoadParameters(seed: 7);
        float[] input = TestData.Random(11, definition.Channels * height * width * batch);
        float[] composed = Compose(name, definition, parameters, input, height, width, batch);

        BlockReference truth = BlockCheck.Reference(definition.Build(KernelKind.Reference, parameters), input, height, width, batch);
        Block block = definition.Build(kind, parameters);
        BlockCheckResult check = BlockCheck.Check(block, truth);
        Assert.True(check.Passed, check.ToString());

        var got = new float[composed.Length];
        Array.Fill(got, float.NaN);
        block.Forward(input, got, height, width, batch);
        Comparison result = Comparison.Of(composed, truth.Bound, got);
        Assert.True(result.Passed, result.ToString());
    }

    private static float[] Compose(string name, BlockDefinition block, LayerParameters[] p, float[] x, int h, int w, int n)
    {
        float[] Conv(int layer, float[] input) => Plain(block.Layers[layer].Spec, p[layer], input, h, w, n);
        const ConvActivation None = ConvActivation.None, Relu = ConvActivation.Relu, Relu6 = ConvActivation.Relu6;
        switch (name)
        {
            case "ResNeXt":
                float[] r1 = TestData.Apply(Conv(0, x), Relu);
                float[] r2 = TestData.Apply(Conv(1, r1), Relu);
                return TestData.Apply(TestData.Add(Conv(2, r2), x), Relu);
            case "ShuffleNet":
                float[] s1 = TestData.Apply(Conv(0, x), Relu);
                var shuffled = new float[s1.Length];
                ChannelShuffle.Shuffle(s1, shuffled, 60, 3, h, w, n);
                float[] s2 = TestData.Apply(Conv(1, shuffled), None);
                return TestData.Apply(TestData.Add(Conv(2, s2), x), Relu);
            default:
                float[] m1 = TestData.Apply(Conv(0, x), Relu6);
                float[] m2 = TestData.Apply(Conv(1, m1), Relu6);
                return TestData.Apply(TestData.Add(Conv(2, m2), x), None);
        }
    }

    /// <summary>The reference convolution of the layer's shape with nothing fused: no activation, no shuffle.</summary>
    private static float[] Plain(ConvSpec s, LayerParameters p, float[] input, int h, int w, int n)
    {
        var plain = new ConvSpec(s.Cin, s.Cout, s.K, s.Groups, s.Stride, s.Padding, s.Dilation, Bias: true);
        var output = new float[plain.OutputLength(h, w, n)];
        new ReferenceConv(plain, p.Weights, p.Bias).Forward(input, output, h, w, n);
        return output;
    }

    [Theory]
    [InlineData("ResNeXt")]
    [InlineData("ShuffleNet")]
    [InlineData("MobileNetV2")]
    public void TheBoundCatchesOneWrongWeight(string name)
    {
        // The bug a kernel is most likely to have: one tap of one channel dropped (here the middle layer's largest
        // weight of output channel 0). The check must notice it, by far.
        BlockDefinition definition = Block(name);
        LayerParameters[] parameters = definition.LoadParameters(seed: 3);
        LayerParameters[] wrong = parameters.Select(p => new LayerParameters((float[])p.Weights.Clone(), p.Bias)).ToArray();
        float[] channel0 = wrong[1].Weights[..(wrong[1].Weights.Length / definition.Layers[1].Spec.Cout)];
        wrong[1].Weights[Array.IndexOf(channel0, channel0.MaxBy(Math.Abs))] = 0;
        float[] input = TestData.Random(5, definition.Channels * 6 * 6);
        BlockReference truth = BlockCheck.Reference(definition.Build(KernelKind.Reference, parameters), input, 6, 6);

        Assert.True(BlockCheck.Check(definition.Build(KernelKind.Generated, parameters), truth).Passed);
        BlockCheckResult result = BlockCheck.Check(definition.Build(KernelKind.Generated, wrong), truth);
        Assert.False(result.Passed);
        Assert.True(result.Layers.WorstRatio > 100, result.ToString());
    }

    [Fact]
    public void UnwrittenOutputFailsTheCheck()
    {
        BlockDefinition definition = Blocks.MobileNetV2;
        LayerParameters[] parameters = definition.LoadParameters(seed: 3);
        float[] input = TestData.Random(5, definition.Channels * 4 * 4);
        BlockReference truth = BlockCheck.Reference(definition.Build(KernelKind.Reference, parameters), input, 4, 4);
        float[] got = (float[])truth.Expected.Clone();
        got[17] = float.NaN;
        Assert.Equal(1, Comparison.Of(truth.Expected, truth.Bound, got).Failures);
        Assert.True(Comparison.Of(truth.Expected, truth.Bound, truth.Expected).Passed);
    }

    [Fact]
    public void FlopsAddUpTheLayers()
    {
        // ResNeXt at 56x56: 2·(256·128 + 128·4·9 + 128·256)·56·56.
        Assert.Equal(2.0 * (256 * 128 + 128 * 4 * 9 + 128 * 256) * 56 * 56, Blocks.ResNeXt.Flops(56, 56));
    }

    [Fact]
    public void ParametersAreDeterministicAndFolded()
    {
        LayerParameters[] a = Blocks.ShuffleNet.LoadParameters(9), b = Blocks.ShuffleNet.LoadParameters(9);
        Assert.Equal(a.Select(p => p.Weights), b.Select(p => p.Weights));
        Assert.Equal(a.Select(p => p.Bias), b.Select(p => p.Bias));
        Assert.All(a.Zip(Blocks.ShuffleNet.Layers), pair => Assert.Equal(pair.Second.Spec.Cout, pair.First.Bias.Length));
        Assert.NotEqual(a[0].Weights, Blocks.ShuffleNet.LoadParameters(10)[0].Weights);
    }
}
