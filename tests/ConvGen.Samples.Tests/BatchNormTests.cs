using System;
using Xunit;

namespace ConvGen.Samples.Tests;

public class BatchNormTests
{
    private static readonly ConvSpec Shape = new(Cin: 6, Cout: 8, K: 3, Groups: 2, Padding: 1);

    private sealed record Norm(float[] Gamma, float[] Beta, float[] Mean, float[] Variance);

    private static Norm RandomNorm(int cout, int seed)
    {
        // gamma of both signs, variances from tiny to large.
        float[] gamma = TestData.Random(seed, cout), beta = TestData.Random(seed + 1, cout), mean = TestData.Random(seed + 2, cout);
        float[] variance = Array.ConvertAll(TestData.Random(seed + 3, cout), v => MathF.Pow(10, 2 * v));
        return new Norm(gamma, beta, mean, variance);
    }

    [Fact]
    public void FoldFollowsTheFormula()
    {
        // s = 3 / sqrt(3 + 1) = 1.5; w' = 2·1.5 = 3; b' = (1 - 0.5)·1.5 + 0.5 = 1.25 (all exact in float).
        var spec = new ConvSpec(Cin: 1, Cout: 1, K: 1);
        (float[] w, float[] b) = BatchNorm.Fold(spec, [2f], [1f], [3f], [0.5f], [0.5f], [3f], epsilon: 1f);
        Assert.Equal([3f], w);
        Assert.Equal([1.25f], b);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    [InlineData(true, 3)]
    public void FoldedConvEqualsConvThenBatchNorm(bool convBias, int batch)
    {
        ConvSpec conv = new(Shape.Cin, Shape.Cout, Shape.K, Shape.Groups, Padding: Shape.Padding, Bias: convBias);
        ConvSpec folded = new(Shape.Cin, Shape.Cout, Shape.K, Shape.Groups, Padding: Shape.Padding, Bias: true);
        const int h = 7, w = 5;
        const float eps = 1e-3f;
        float[] weights = TestData.Random(1, conv.WeightLength), bias = convBias ? TestData.Random(2, conv.Cout) : [];
        Norm bn = RandomNorm(conv.Cout, 10 * batch);
        float[] input = TestData.Random(3, checked((int)conv.InputLength(h, w, batch)));
        int length = checked((int)conv.OutputLength(h, w, batch)), plane = h * w;

        // Unfolded: the reference conv, then the batch norm in double.
        var convOut = new float[length];
        new ReferenceConv(conv, weights, bias).Forward(input, convOut, h, w, batch);
        var expected = new double[length];
        for (int i = 0; i < length; i++)
        {
            int c = i / plane % conv.Cout;
            expected[i] = (convOut[i] - bn.Mean[c]) / Math.Sqrt(bn.Variance[c] + (double)eps) * bn.Gamma[c] + bn.Beta[c];
        }

        (float[] fw, float[] fb) = BatchNorm.Fold(conv, weights, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, eps);
        var got = new float[length];
        new ReferenceConv(folded, fw, fb).Forward(input, got, h, w, batch);

        // Bound: a few roundings (folded weights and bias, the conv output, the result) of the terms' magnitude,
        // Σ|w'|·|x| + |b'| + |s·(b - mean)| + |beta|, computed with the reference conv over |w'|, |x|.
        var magnitude = new float[length];
        new ReferenceConv(folded, Array.ConvertAll(fw, MathF.Abs), Array.ConvertAll(fb, MathF.Abs))
            .Forward(Array.ConvertAll(input, MathF.Abs), magnitude, h, w, batch);
        for (int i = 0; i < length; i++)
        {
            int c = i / plane % conv.Cout;
            double s = bn.Gamma[c] / Math.Sqrt(bn.Variance[c] + (double)eps);
            double scale = magnitude[i] + Math.Abs(s * ((convBias ? bias[c] : 0) - bn.Mean[c])) + Math.Abs(bn.Beta[c]);
            Assert.True(Math.Abs(got[i] - expected[i]) <= 8 * Math.ScaleB(1.0, -24) * scale,
                $"element {i}: folded {got[i]}, unfolded {expected[i]}, bound {8 * Math.ScaleB(1.0, -24) * scale}");
        }
    }

    [Fact]
    public void FoldIntoSpansMatchesTheArrayOverloadAndWorksInPlace()
    {
        float[] weights = TestData.Random(4, Shape.WeightLength), bias = TestData.Random(5, Shape.Cout);
        Norm bn = RandomNorm(Shape.Cout, 20);
        (float[] fw, float[] fb) = BatchNorm.Fold(Shape, weights, bias, bn.Gamma, bn.Beta, bn.Mean, bn.Variance);

        float[] w = (float[])weights.Clone(), b = (float[])bias.Clone();
        BatchNorm.Fold(Shape, w, b, bn.Gamma, bn.Beta, bn.Mean, bn.Variance, BatchNorm.DefaultEpsilon, w, b);
        Assert.Equal(fw, w);
        Assert.Equal(fb, b);
        Assert.NotEqual(weights, w);
    }

    public static TheoryData<string> LengthParameters() =>
        ["weights", "bias", "gamma", "beta", "mean", "variance", "foldedWeights", "foldedBias"];

    [Theory]
    [MemberData(nameof(LengthParameters))]
    public void AWrongLengthThrowsNamingTheParameterAndTheSizeAndWritesNothing(string parameter)
    {
        float[] Make(string name, int length) => TestData.Random(name.Length, name == parameter ? length + 1 : length);
        float[] weights = Make("weights", Shape.WeightLength), bias = Make("bias", Shape.Cout);
        float[] gamma = Make("gamma", Shape.Cout), beta = Make("beta", Shape.Cout), mean = Make("mean", Shape.Cout);
        float[] variance = Array.ConvertAll(Make("variance", Shape.Cout), MathF.Abs);
        float[] foldedWeights = Make("foldedWeights", Shape.WeightLength), foldedBias = Make("foldedBias", Shape.Cout);
        Array.Fill(foldedWeights, 42f);
        Array.Fill(foldedBias, 42f);

        var thrown = Assert.Throws<ArgumentException>(() =>
            BatchNorm.Fold(Shape, weights, bias, gamma, beta, mean, variance, 1e-5f, foldedWeights, foldedBias));
        Assert.Equal(parameter, thrown.ParamName);
        int expected = parameter.Contains("eights") ? Shape.WeightLength : Shape.Cout;
        Assert.Contains($"{expected} floats", thrown.Message);
        Assert.All(foldedWeights, v => Assert.Equal(42f, v));
        Assert.All(foldedBias, v => Assert.Equal(42f, v));

        if (parameter is not ("foldedWeights" or "foldedBias"))
        {
            var again = Assert.Throws<ArgumentException>(() => BatchNorm.Fold(Shape, weights, bias, gamma, beta, mean, variance));
            Assert.Equal(parameter, again.ParamName);
        }
    }

    [Theory]
    [InlineData(-1f, 1e-5f, "variance")]
    [InlineData(-1e-5f, 1e-5f, "variance")]
    [InlineData(float.NaN, 1e-5f, "variance")]
    [InlineData(float.PositiveInfinity, 1e-5f, "variance")]
    [InlineData(0f, 0f, "variance")]
    [InlineData(1f, -1e-5f, "epsilon")]
    [InlineData(1f, float.NaN, "epsilon")]
    public void AnInvalidVarianceOrEpsilonThrowsAndWritesNothing(float badVariance, float epsilon, string parameter)
    {
        var spec = new ConvSpec(Cin: 2, Cout: 3, K: 1);
        float[] variance = [1f, badVariance, 2f];
        float[] foldedWeights = new float[spec.WeightLength], foldedBias = new float[3];
        ArgumentException thrown = Assert.ThrowsAny<ArgumentException>(() => BatchNorm.Fold(spec, new float[6], default,
            new float[] { 1, 1, 1 }, new float[3], new float[3], variance, epsilon, foldedWeights, foldedBias));
        Assert.Equal(parameter, thrown.ParamName);
        Assert.Equal(parameter == "epsilon" ? typeof(ArgumentOutOfRangeException) : typeof(ArgumentException), thrown.GetType());
        Assert.All(foldedWeights, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void OverlappingOutputsAreRejected()
    {
        var spec = new ConvSpec(Cin: 2, Cout: 2, K: 1);
        float[] buffer = TestData.Random(1, 10), before = (float[])buffer.Clone();
        float[] ones = [1f, 1f];
        // foldedWeights shifted against weights.
        var thrown = Assert.Throws<ArgumentException>(() => BatchNorm.Fold(spec, buffer.AsSpan(0, 4), default, ones, ones, ones, ones,
            1e-5f, buffer.AsSpan(1, 4), new float[2]));
        Assert.Equal("foldedWeights", thrown.ParamName);
        // foldedBias inside foldedWeights.
        thrown = Assert.Throws<ArgumentException>(() => BatchNorm.Fold(spec, new float[4], default, ones, ones, ones, ones,
            1e-5f, buffer.AsSpan(0, 4), buffer.AsSpan(2, 2)));
        Assert.Equal("foldedBias", thrown.ParamName);
        Assert.Equal(before, buffer);
    }
}
