using System;
using System.Linq;
using Xunit;

namespace ConvGen.Robustness.Tests;

/// <summary>NaN and infinities propagate as IEEE arithmetic says, identically in every kernel and the reference.</summary>
public class NonFiniteTests
{
    public static TheoryData<string, Poison> Cases()
    {
        var data = new TheoryData<string, Poison>();
        foreach (KernelCase kernel in Kernels.All)
        foreach (Poison poison in Enum.GetValues<Poison>())
            data.Add(kernel.Name, poison);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AgreesWithReference(string kernel, Poison poison)
    {
        for (int seed = 1; seed <= 4; seed++)
            Assert.Null(NonFinite.Check(Kernels.Get(kernel), poison, seed));
    }

    /// <summary>
    /// Rows of 56 and 57 (the seed layer's 8 × 28 row tiles, and flat tiles when a weight is not finite; 16 × 7 row
    /// tiles with stride 1 and 2): the taps the row tiles leave out are padding, so a NaN or infinite weight must take
    /// the flat tiles, which compute them (0·∞ = NaN).
    /// </summary>
    [Theory]
    [InlineData("Generated Seed", Poison.WeightNaN)]
    [InlineData("Generated Seed", Poison.WeightInfinity)]
    [InlineData("Generated Seed", Poison.InputNaN)]
    [InlineData("Generated RowTiles", Poison.WeightInfinity)]
    [InlineData("Generated RowTilesStride2", Poison.WeightInfinity)]
    public void WideRowsAgreeWithReference(string kernel, Poison poison)
    {
        foreach (int width in new[] { 56, 57 })
            for (int seed = 1; seed <= 2; seed++)
                Assert.Null(NonFinite.Check(Kernels.Get(kernel), poison, seed, 9, width));
    }

    /// <summary>ReLU and ReLU6 of NaN are NaN in the vector part of a row (8 at a time) and its scalar tail.</summary>
    [Theory]
    [InlineData(ConvActivation.Relu, false)]
    [InlineData(ConvActivation.Relu6, false)]
    [InlineData(ConvActivation.Relu, true)]
    [InlineData(ConvActivation.Relu6, true)]
    public void ActivationOfNaNIsNaN(ConvActivation activation, bool residual)
    {
        var spec = new ConvSpec(1, 2, 1, Bias: true, Activation: activation);
        foreach (Func<float[], float[], IConvKernel> create in new Func<float[], float[], IConvKernel>[]
                     { (w, b) => new GenericConv(spec, w, b), (w, b) => new ReferenceConv(spec, w, b) })
        {
            // Channel 0: NaN input, weight 1. Channel 1: weight 0, NaN bias. Row of 13: 8 vector lanes, 5 in the tail.
            IConvKernel kernel = create([1, 0], [0, float.NaN]);
            var input = Enumerable.Repeat(float.NaN, 13).ToArray();
            var output = new float[26];
            if (residual) kernel.Forward(input, new float[26], output, 1, 13);
            else kernel.Forward(input, output, 1, 13);
            Assert.All(output, v => Assert.True(float.IsNaN(v), $"{kernel.GetType().Name}: {v}"));
        }
    }

    [Fact]
    public void ActivationsClampInfinities()
    {
        foreach (ConvActivation activation in Enum.GetValues<ConvActivation>())
        {
            var spec = new ConvSpec(1, 1, 1, Activation: activation);
            var kernel = new GenericConv(spec, [1]);
            float[] input = [float.PositiveInfinity, float.NegativeInfinity, .. new float[7], float.NegativeInfinity, float.PositiveInfinity];
            var output = new float[11];
            kernel.Forward(input, output, 1, 11);
            (float pos, float neg) = activation switch
            {
                ConvActivation.Relu => (float.PositiveInfinity, 0f),
                ConvActivation.Relu6 => (6f, 0f),
                _ => (float.PositiveInfinity, float.NegativeInfinity),
            };
            Assert.Equal([pos, neg, 0, 0, 0, 0, 0, 0, 0, neg, pos], output);
        }
    }
}
