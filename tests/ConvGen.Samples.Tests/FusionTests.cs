using System;
using ConvGen.Samples.Layers;
using ConvGen.Samples.Tests.Twins;
using Xunit;

namespace ConvGen.Samples.Tests;

/// <summary>
/// Fused stores against the separate passes they replace. The fused store does the same float operations in the
/// same order as conv-then-pass ((acc + bias) + residual, then the activation; the shuffle only moves where a
/// result goes), and both kernels of a pair have the same tile plan, so the results must be equal bit for bit.
/// </summary>
public class FusionTests
{
    [Theory]
    [InlineData(28, 28, 1)]
    [InlineData(7, 5, 2)]
    [InlineData(1, 3, 3)]
    public void FusedShuffleEqualsConvThenChannelShuffle(int h, int w, int n)
    {
        ConvSpec spec = ShuffleReduce.Spec;
        float[] weights = TestData.Random(1, spec.WeightLength), bias = TestData.Random(2, spec.Cout);
        float[] input = TestData.Random(3, checked((int)spec.InputLength(h, w, n)));
        var unshuffledSpec = new ConvSpec(spec.Cin, spec.Cout, spec.K, spec.Groups, Bias: true, Activation: spec.Activation);
        AssertShuffleFused(new ShuffleReduce(weights, bias), new ShuffleReduceUnshuffled(weights, bias), input, h, w, n);
        AssertShuffleFused(new GenericConv(spec, weights, bias), new GenericConv(unshuffledSpec, weights, bias), input, h, w, n);
    }

    [Theory]
    [InlineData(9, 11, 2)]
    [InlineData(2, 1, 1)]
    public void FusedShuffleOf3x3EqualsConvThenChannelShuffle(int h, int w, int n)
    {
        ConvSpec spec = Small3x3Shuffled.Spec;
        float[] weights = TestData.Random(4, spec.WeightLength);
        float[] input = TestData.Random(5, checked((int)spec.InputLength(h, w, n)));
        AssertShuffleFused(new Small3x3Shuffled(weights), new Small3x3(weights), input, h, w, n);
    }

    private static void AssertShuffleFused(IConvKernel fused, IConvKernel plain, float[] input, int h, int w, int n)
    {
        ConvSpec spec = fused.Spec;
        int length = checked((int)spec.OutputLength(h, w, n));
        float[] got = new float[length], conv = new float[length], expected = new float[length];
        Array.Fill(got, float.NaN);
        fused.Forward(input, got, h, w, n);
        plain.Forward(input, conv, h, w, n);
        ChannelShuffle.Shuffle(conv, expected, spec.Cout, spec.Groups, spec.OutputHeight(h), spec.OutputWidth(w), n);
        Assert.Equal(expected, got);
        Assert.NotEqual(conv, got); // the shuffle moved something
    }

    [Theory]
    [InlineData(56, 56, 1)]
    [InlineData(7, 3, 2)]
    public void FusedResidualEqualsConvThenAddThenRelu(int h, int w, int n)
    {
        ConvSpec spec = ResNeXtExpand.Spec;
        float[] weights = TestData.Random(6, spec.WeightLength), bias = TestData.Random(7, spec.Cout);
        AssertResidualFused(new ResNeXtExpand(weights, bias), new ResNeXtExpandLinear(weights, bias), h, w, n);
        AssertResidualFused(new GenericConv(spec, weights, bias), new GenericConv(ResNeXtExpandLinear.Spec, weights, bias), h, w, n);
    }

    [Theory]
    [InlineData(13, 9, 2)]
    public void FusedResidualEqualsConvThenAddThenRelu6(int h, int w, int n)
    {
        ConvSpec spec = MobileExpand.Spec;
        // Weights scaled up so that some sums pass 6 and ReLU6 clips them.
        float[] weights = Array.ConvertAll(TestData.Random(8, spec.WeightLength), v => 4 * v), bias = TestData.Random(9, spec.Cout);
        AssertResidualFused(new MobileExpand(weights, bias), new MobileExpandLinear(weights, bias), h, w, n);
    }

    [Fact]
    public void FusedResidualWithoutActivationEqualsConvThenAdd()
    {
        ConvSpec spec = MobileProject.Spec;
        float[] weights = TestData.Random(10, spec.WeightLength), bias = TestData.Random(11, spec.Cout);
        var kernel = new MobileProject(weights, bias);
        AssertResidualFused(kernel, kernel, 10, 6, 1);
    }

    /// <summary>
    /// fused.Forward(x, r) == act(linear.Forward(x) + r), with the residual in a separate span and with the
    /// residual being the output span itself.
    /// </summary>
    private static void AssertResidualFused(IConvKernel fused, IConvKernel linear, int h, int w, int n)
    {
        ConvSpec spec = fused.Spec;
        float[] input = TestData.Random(12, checked((int)spec.InputLength(h, w, n)));
        int length = checked((int)spec.OutputLength(h, w, n));
        float[] residual = TestData.Random(13, length);
        var conv = new float[length];
        linear.Forward(input, conv, h, w, n);
        float[] expected = TestData.Apply(TestData.Add(conv, residual), spec.Activation);

        var got = new float[length];
        Array.Fill(got, float.NaN);
        fused.Forward(input, residual, got, h, w, n);
        Assert.Equal(expected, got);

        float[] inPlace = (float[])residual.Clone();
        fused.Forward(input, inPlace, inPlace, h, w, n);
        Assert.Equal(expected, inPlace);

        if (spec.Activation != ConvActivation.None) Assert.Contains(expected, v => v == 0); // the activation did clip
        if (spec.Activation == ConvActivation.Relu6) Assert.Contains(expected, v => v == 6);
    }
}
