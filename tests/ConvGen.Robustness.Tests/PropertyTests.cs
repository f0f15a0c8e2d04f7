using System;
using CsCheck;
using Xunit;

namespace ConvGen.Robustness.Tests;

/// <summary>Random layers and sizes (CsCheck, shrinking to the smallest failure): generic equals reference; bad sizes give ArgumentException only.</summary>
public class PropertyTests
{
    private const int Iterations = 300;

    /// <summary>Small valid layers: 1–8 channels per group, 1–4 groups, K 1–5, stride 1–3, padding 0–3, dilation 1–3.</summary>
    private static readonly Gen<ConvSpec> Spec =
        Gen.Select(Gen.Int[1, 8], Gen.Int[1, 8], Gen.Int[1, 4], Gen.Int[1, 5], Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[1, 3],
                Gen.Bool, Gen.Int[0, 2], Gen.Bool,
            (cinG, coutG, groups, k, stride, padding, dilation, bias, activation, shuffle) =>
                new ConvSpec(cinG * groups, coutG * groups, k, groups, stride, padding, dilation, bias, (ConvActivation)activation,
                    shuffle && groups > 1));

    /// <summary>A layer and a valid size for it: height and width from the smallest allowed to 12 more.</summary>
    private static readonly Gen<(ConvSpec Spec, HarnessSize Size)> LayerAndSize =
        Spec.SelectMany(spec => Gen.Select(Gen.Int[0, 12], Gen.Int[0, 12], Gen.Int[1, 2], Gen.Bool, (dh, dw, n, residual) =>
            (spec, new HarnessSize(spec.MinInputSize + dh, spec.MinInputSize + dw, n, residual))));

    [Fact]
    public void GenericEqualsReference()
    {
        LayerAndSize.Sample(t =>
        {
            HarnessReport report = ConvHarness.Check(t.Spec, (w, b) => new GenericConv(t.Spec, w, b), [t.Size]);
            Assert.True(report.Passed, report.ToString());
        }, iter: Iterations);
    }

    /// <summary>Any int for a size, including 0, negatives and extremes.</summary>
    private static readonly Gen<int> AnySize = Gen.Frequency(
        (6, Gen.Int[-3, 14]),
        (1, Gen.OneOf(int.MinValue, int.MaxValue, 1 << 16, 1 << 20, 46341)));

    [Fact]
    public void BadSizesThrowArgumentExceptionOnly()
    {
        Gen.Select(Spec, AnySize, AnySize, Gen.Frequency((6, Gen.Int[-2, 3]), (1, Gen.OneOf(int.MinValue, int.MaxValue, 1 << 24))),
                Gen.Int[-1, 1], Gen.Int[-1, 1], Gen.Bool, Gen.Bool)
            .Sample((spec, height, width, batch, inDelta, outDelta, residual, reference) =>
            {
                long inLength = spec.InputLength(height, width, batch), outLength = spec.OutputLength(height, width, batch);
                bool imageFits = spec.InputLength(height, width) <= Array.MaxLength && (double)spec.Cout * spec.OutputHeight(height) * spec.OutputWidth(width) <= Array.MaxLength;
                bool valid = height >= spec.MinInputSize && width >= spec.MinInputSize && batch >= 0 && imageFits
                             && inLength <= 100_000 && outLength <= 100_000 && inDelta == 0 && outDelta == 0;
                // Lengths near the right ones when they are small, else small arrays that cannot be right.
                float[] input = new float[inLength is >= 0 and <= 100_000 ? Math.Max(0, inLength + inDelta) : 5];
                float[] output = new float[outLength is >= 0 and <= 100_000 ? Math.Max(0, outLength + outDelta) : 5];
                Array.Fill(output, 99f);
                float[] weights = new float[spec.WeightLength], bias = new float[spec.BiasLength];
                IConvKernel kernel = reference ? new ReferenceConv(spec, weights, bias) : new GenericConv(spec, weights, bias);
                Exception? thrown = Record.Exception(() =>
                {
                    if (residual) kernel.Forward(input, new float[output.Length], output, height, width, batch);
                    else kernel.Forward(input, output, height, width, batch);
                });
                if (valid)
                {
                    Assert.Null(thrown);
                    return;
                }
                // The lengths may still be exactly right by chance (a delta pushed to 0 by Math.Max): then no throw is right too.
                if (thrown == null)
                {
                    Assert.True(input.Length == inLength && output.Length == outLength && batch >= 0 && imageFits
                                && height >= spec.MinInputSize && width >= spec.MinInputSize, $"accepted {spec} {batch}x{height}x{width}");
                    return;
                }
                ArgumentException e = Assert.IsAssignableFrom<ArgumentException>(thrown);
                Assert.Contains(e.ParamName, new[] { "input", "output", "residual", "height", "width", "batch" });
                Assert.All(output, v => Assert.Equal(99f, v));
            }, iter: 2000);
    }

    [Fact]
    public void ConvSpecConstructorThrowsArgumentExceptionOnly()
    {
        Gen<int> any = Gen.Frequency((4, Gen.Int[-2, 9]), (1, Gen.Int), (1, Gen.OneOf(int.MinValue, int.MaxValue, 46341, 65536)));
        Gen.Select(any, any, any, any, any, any, any, Gen.Bool).Sample((cin, cout, k, groups, stride, padding, dilation, shuffle) =>
        {
            Exception? thrown = Record.Exception(() => new ConvSpec(cin, cout, k, groups, stride, padding, dilation, ShuffleOutput: shuffle));
            if (thrown == null) return;
            ArgumentException e = Assert.IsAssignableFrom<ArgumentException>(thrown);
            Assert.Contains(e.ParamName, new[] { "Cin", "Cout", "K", "Groups", "Stride", "Padding", "Dilation", "ShuffleOutput" });
        }, iter: 5000);
    }
}
