using System;
using Xunit;

namespace ConvGen.Robustness.Tests;

/// <summary>Every public entry point rejects bad arguments with an ArgumentException naming the parameter and the expected size, before writing anything.</summary>
public class BadInputTests
{
    private const float Sentinel = 1234.5f;

    /// <summary>Asserts <paramref name="call"/> throws an ArgumentException for <paramref name="parameter"/> mentioning <paramref name="expected"/>, leaving <paramref name="output"/> as it was.</summary>
    internal static void AssertRejected(string parameter, string expected, float[] output, Action call)
    {
        float[] before = (float[])output.Clone();
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(expected, e.Message);
        Assert.Equal(before, output);
    }

    private sealed class Setup
    {
        public readonly IConvKernel Kernel;
        public readonly ConvSpec Spec;
        public readonly int Height, Width, Batch = 2, InLength, OutLength;
        public readonly float[] Input, Output, Residual;

        public Setup(string name)
        {
            KernelCase kernel = Kernels.Get(name);
            Kernel = Kernels.Build(kernel, 7, out _, out _);
            Spec = kernel.Spec;
            Height = Math.Max(Spec.MinInputSize, 6);
            Width = Math.Max(Spec.MinInputSize, 9);
            InLength = (int)Spec.InputLength(Height, Width, Batch);
            OutLength = (int)Spec.OutputLength(Height, Width, Batch);
            Input = Kernels.RandomArray(new Random(3), InLength + 1);
            Residual = Kernels.RandomArray(new Random(4), OutLength + 1);
            Output = new float[OutLength + 1];
            Array.Fill(Output, Sentinel);
        }
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void InputOfWrongLength(string kernel)
    {
        var s = new Setup(kernel);
        foreach (int length in new[] { s.InLength - 1, s.InLength + 1, 0 })
        {
            AssertRejected("input", $"= {s.InLength} floats", s.Output, () =>
                s.Kernel.Forward(s.Input.AsSpan(0, length), s.Output.AsSpan(0, s.OutLength), s.Height, s.Width, s.Batch));
            AssertRejected("input", $"= {s.InLength} floats", s.Output, () =>
                s.Kernel.Forward(s.Input.AsSpan(0, length), s.Residual.AsSpan(0, s.OutLength), s.Output.AsSpan(0, s.OutLength), s.Height, s.Width, s.Batch));
        }
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void OutputOfWrongLength(string kernel)
    {
        var s = new Setup(kernel);
        foreach (int length in new[] { s.OutLength - 1, s.OutLength + 1 })
        {
            AssertRejected("output", $"= {s.OutLength} floats", s.Output, () =>
                s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), s.Output.AsSpan(0, length), s.Height, s.Width, s.Batch));
            AssertRejected("output", $"= {s.OutLength} floats", s.Output, () =>
                s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), s.Residual.AsSpan(0, length), s.Output.AsSpan(0, length), s.Height, s.Width, s.Batch));
        }
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void ResidualOfWrongLength(string kernel)
    {
        var s = new Setup(kernel);
        foreach (int length in new[] { s.OutLength - 1, s.OutLength + 1, 0 })
            AssertRejected("residual", $"{s.OutLength} floats", s.Output, () =>
                s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), s.Residual.AsSpan(0, length), s.Output.AsSpan(0, s.OutLength), s.Height, s.Width, s.Batch));
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void SizesNotPositive(string kernel)
    {
        var s = new Setup(kernel);
        Span<float> In() => s.Input.AsSpan(0, s.InLength);
        Span<float> Out() => s.Output.AsSpan(0, s.OutLength);
        foreach (int bad in new[] { 0, -1, int.MinValue })
        {
            AssertRejected("height", "1 or more", s.Output, () => s.Kernel.Forward(In(), Out(), bad, s.Width, s.Batch));
            AssertRejected("width", "1 or more", s.Output, () => s.Kernel.Forward(In(), Out(), s.Height, bad, s.Batch));
            AssertRejected("height", "1 or more", s.Output, () => s.Kernel.Forward(In(), s.Residual.AsSpan(0, s.OutLength), Out(), bad, s.Width, s.Batch));
        }
        AssertRejected("batch", "0 or more", s.Output, () => s.Kernel.Forward(In(), Out(), s.Height, s.Width, -1));
        AssertRejected("batch", "0 or more", s.Output, () => s.Kernel.Forward(In(), s.Residual.AsSpan(0, s.OutLength), Out(), s.Height, s.Width, int.MinValue));
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void InputTooSmallForTheKernel(string kernel)
    {
        var s = new Setup(kernel);
        int min = s.Spec.MinInputSize;
        if (min == 1)
        {
            // Every positive size gives an output: 1×1 must run and write every output element.
            int outLength = (int)s.Spec.OutputLength(1, 1);
            Assert.True(outLength > 0);
            s.Kernel.Forward(s.Input.AsSpan(0, s.Spec.Cin), s.Output.AsSpan(0, outLength), 1, 1);
            Assert.DoesNotContain(Sentinel, s.Output.AsSpan(0, outLength).ToArray());
            return;
        }
        int inLength = (int)s.Spec.InputLength(min - 1, s.Width, 1);
        AssertRejected("height", $"at least {min}", s.Output, () =>
            s.Kernel.Forward(s.Input.AsSpan(0, inLength), s.Output.AsSpan(0, 0), min - 1, s.Width, 1));
        AssertRejected("width", $"at least {min}", s.Output, () =>
            s.Kernel.Forward(s.Input.AsSpan(0, inLength), s.Output.AsSpan(0, 0), s.Width, min - 1, 1));
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void BatchZeroDoesNothing(string kernel)
    {
        var s = new Setup(kernel);
        s.Kernel.Forward(ReadOnlySpan<float>.Empty, Span<float>.Empty, s.Height, s.Width, 0);
        s.Kernel.Forward(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, Span<float>.Empty, s.Height, s.Width, 0);
        s.Kernel.Forward(s.Input.AsSpan(0, 0), s.Output.AsSpan(0, 0), s.Height, s.Width, 0);
        Assert.All(s.Output, v => Assert.Equal(Sentinel, v));
        AssertRejected("output", "= 0 floats", s.Output, () =>
            s.Kernel.Forward(ReadOnlySpan<float>.Empty, s.Output.AsSpan(0, s.OutLength), s.Height, s.Width, 0));
        AssertRejected("input", "= 0 floats", s.Output, () =>
            s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), Span<float>.Empty, s.Height, s.Width, 0));
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void SizesWhoseProductsOverflow(string kernel)
    {
        var s = new Setup(kernel);
        string limit = Array.MaxLength.ToString();
        // One image too large for any span, whatever the batch.
        AssertRejected("width", limit, s.Output, () =>
            s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), s.Output.AsSpan(0, s.OutLength), 1 << 16, 1 << 16, 1));
        AssertRejected("width", limit, s.Output, () =>
            s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), s.Output.AsSpan(0, s.OutLength), int.MaxValue, int.MaxValue, 1));
        // Images that fit, too many of them.
        AssertRejected("batch", limit, s.Output, () =>
            s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), s.Output.AsSpan(0, s.OutLength), s.Height, s.Width, int.MaxValue));
        AssertRejected("batch", limit, s.Output, () =>
            s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), s.Residual.AsSpan(0, s.OutLength), s.Output.AsSpan(0, s.OutLength), s.Height, s.Width, 1 << 28));
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void OverlappingSpans(string kernel)
    {
        var s = new Setup(kernel);
        // Input and output in one buffer, overlapping by one float at either end.
        var shared = new float[s.InLength + s.OutLength];
        Array.Fill(shared, Sentinel);
        AssertRejected("output", "overlap", shared, () =>
            s.Kernel.Forward(shared.AsSpan(0, s.InLength), shared.AsSpan(s.InLength - 1, s.OutLength), s.Height, s.Width, s.Batch));
        AssertRejected("output", "overlap", shared, () =>
            s.Kernel.Forward(shared.AsSpan(s.OutLength - 1, s.InLength), shared.AsSpan(0, s.OutLength), s.Height, s.Width, s.Batch));
        AssertRejected("output", "overlap", shared, () =>
            s.Kernel.Forward(shared.AsSpan(0, s.InLength), s.Residual.AsSpan(0, s.OutLength), shared.AsSpan(1, s.OutLength), s.Height, s.Width, s.Batch));
        // Residual partially overlapping the output.
        var outputs = new float[s.OutLength + 1];
        Array.Fill(outputs, Sentinel);
        foreach (int shift in new[] { 1, -1 })
            AssertRejected("residual", "output span itself", outputs, () =>
                s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), outputs.AsSpan(Math.Max(shift, 0), s.OutLength),
                    outputs.AsSpan(Math.Max(-shift, 0), s.OutLength), s.Height, s.Width, s.Batch));
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void ResidualMayBeTheOutputItself(string kernel)
    {
        var s = new Setup(kernel);
        float[] residual = s.Residual.AsSpan(0, s.OutLength).ToArray();
        var apart = new float[s.OutLength];
        s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), residual, apart, s.Height, s.Width, s.Batch);
        float[] inPlace = (float[])residual.Clone();
        s.Kernel.Forward(s.Input.AsSpan(0, s.InLength), inPlace, inPlace, s.Height, s.Width, s.Batch);
        Assert.Equal(apart, inPlace);
        Assert.NotEqual(residual, inPlace);
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void ConstructorChecksWeightsAndBias(string name)
    {
        KernelCase kernel = Kernels.Get(name);
        ConvSpec spec = kernel.Spec;
        int n = spec.WeightLength;
        float[] bias = new float[spec.BiasLength];
        foreach (int length in new[] { n - 1, n + 1, 0 })
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => kernel.Create(new float[length], bias));
            Assert.Equal("weights", e.ParamName);
            Assert.Contains($"= {n} floats", e.Message);
        }
        foreach (int length in spec.Bias ? new[] { 0, spec.Cout - 1, spec.Cout + 1 } : new[] { 1, spec.Cout })
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => kernel.Create(new float[n], new float[length]));
            Assert.Equal("bias", e.ParamName);
            Assert.Contains(spec.Bias ? $"Cout = {spec.Cout} floats" : $"{length} floats were given", e.Message);
        }
    }

    [Fact]
    public void DefaultSpecIsRejected()
    {
        ConvSpec none = default;
        Assert.Equal("spec", Assert.ThrowsAny<ArgumentException>(() => new GenericConv(none, [])).ParamName);
        Assert.Equal("spec", Assert.ThrowsAny<ArgumentException>(() => new ReferenceConv(none, [])).ParamName);
        Assert.Equal("spec", Assert.ThrowsAny<ArgumentException>(() => new TilePlan(none, new TileBlock(0, 1, 1, 32))).ParamName);
        Assert.Equal("spec", Assert.ThrowsAny<ArgumentException>(() => ConvHarness.Check(none, (w, b) => new ReferenceConv(none, w, b))).ParamName);
    }

    [Theory]
    [InlineData(0, 4, 3, 1, 1, 0, 1, "Cin", "0")]
    [InlineData(4, -2, 3, 1, 1, 0, 1, "Cout", "-2")]
    [InlineData(4, 4, 0, 1, 1, 0, 1, "K", "0")]
    [InlineData(4, 4, 3, 0, 1, 0, 1, "Groups", "0")]
    [InlineData(4, 4, 3, 1, -1, 0, 1, "Stride", "-1")]
    [InlineData(4, 4, 3, 1, 1, -3, 1, "Padding", "-3")]
    [InlineData(4, 4, 3, 1, 1, 0, int.MinValue, "Dilation", "-2147483648")]
    [InlineData(6, 4, 3, 4, 1, 0, 1, "Cin", "Groups = 4")]
    [InlineData(4, 6, 3, 4, 1, 0, 1, "Cout", "Groups = 4")]
    [InlineData(65536, 65536, 1, 1, 1, 0, 1, "K", "4294967296")] // the weights would not fit in an array
    [InlineData(1, 1, 46341, 1, 1, 0, 1, "K", "2147488281")]
    [InlineData(65536, int.MaxValue, 65536, 1, 1, 0, 1, "K", "largest array")] // the product overflows a long
    public void ConvSpecRejectsBadShapes(int cin, int cout, int k, int groups, int stride, int padding, int dilation,
        string parameter, string expected)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => new ConvSpec(cin, cout, k, groups, stride, padding, dilation));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ConvSpecRejectsBadActivationAndShuffle()
    {
        Assert.Equal("Activation", Assert.ThrowsAny<ArgumentException>(() => new ConvSpec(4, 4, 3, Activation: (ConvActivation)3)).ParamName);
        Assert.Equal("ShuffleOutput", Assert.ThrowsAny<ArgumentException>(() => new ConvSpec(4, 4, 3, ShuffleOutput: true)).ParamName);
    }

    [Fact]
    public void MinInputSizeDoesNotOverflow()
    {
        var spec = new ConvSpec(1, 1, 3, Dilation: int.MaxValue);
        Assert.Equal(int.MaxValue, spec.MinInputSize);
        var kernel = new GenericConv(spec, new float[9]);
        var output = new float[4];
        AssertRejected("height", "at least 4294967295", output, () => kernel.Forward(new float[1], output.AsSpan(0, 0), 1, 1));
    }

    [Fact]
    public void GenericRejectsALayoutLargerThanAnArray()
    {
        // A 1×1 output, but the padded, dilated input band the engine lays out would need about 2⁶⁰ floats.
        var spec = new ConvSpec(1, 1, 2, Padding: 1 << 29, Dilation: 1 << 30);
        var output = new float[] { Sentinel };
        AssertRejected("width", Array.MaxLength.ToString(), output, () => new GenericConv(spec, new float[4]).Forward(new float[1], output, 1, 1));
        new ReferenceConv(spec, [1, 1, 1, 1]).Forward(new float[] { 5 }, output, 1, 1);
        Assert.Equal(0f, output[0]); // every tap lands in the padding
    }

    [Fact]
    public void PackWeightsChecksLength()
    {
        var spec = new ConvSpec(6, 4, 3, Groups: 2);
        var plan = new TilePlan(spec, new TileBlock(0, 2, 4, 24));
        foreach (int length in new[] { spec.WeightLength - 1, spec.WeightLength + 1, 0 })
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => plan.PackWeights(new float[length]));
            Assert.Equal("weights", e.ParamName);
            Assert.Contains($"{spec.WeightLength} floats", e.Message);
        }
        Assert.Equal(2 * 3 * 9 * 4, plan.PackWeights(new float[spec.WeightLength]).Length);
    }

    [Fact]
    public void TilePlanChecksBlocks()
    {
        var spec = new ConvSpec(6, 4, 3, Groups: 2);
        Assert.Equal("blocks", Assert.ThrowsAny<ArgumentException>(() => new TilePlan(spec, new TileBlock(0, 1, 1, 32))).ParamName);
        Assert.Equal("blocks", Assert.ThrowsAny<ArgumentException>(() => new TilePlan(spec, new TileBlock(1, 2, 4, 24))).ParamName);
        Assert.Equal("blocks", Assert.ThrowsAny<ArgumentException>(() => new TilePlan(spec, new TileBlock(0, 2, 1, 24))).ParamName);
        Assert.Equal("blocks", Assert.ThrowsAny<ArgumentException>(() => new TilePlan(spec, null!)).ParamName);
    }

    private readonly struct NoTiles : ITileKernels
    {
        public static void Run(int block, ref TileArgs args) => throw new InvalidOperationException("tiles ran");
    }

    [Fact]
    public void EngineChecksPackedWeightsAndBias()
    {
        var spec = new ConvSpec(4, 4, 3, Padding: 1, Bias: true);
        TilePlan plan = new(spec, new TileBlock(0, 4, 4, 24));
        int packed = plan.GroupWeightLength * spec.Groups;
        var output = new float[4 * 5 * 5];
        Array.Fill(output, Sentinel);
        var input = new float[4 * 5 * 5];
        AssertRejected("packedWeights", $"{packed} floats", output, () =>
            ConvEngine.Forward<NoTiles>(plan, new float[packed - 1], new float[4], input, default, false, output, 5, 5, 1));
        AssertRejected("bias", "4 floats", output, () =>
            ConvEngine.Forward<NoTiles>(plan, new float[packed], null, input, default, false, output, 5, 5, 1));
        AssertRejected("bias", "4 floats", output, () =>
            ConvEngine.Forward<NoTiles>(plan, new float[packed], new float[3], input, default, false, output, 5, 5, 1));
    }

    [Fact]
    public void HarnessChecksItsArguments()
    {
        var spec = new ConvSpec(2, 2, 3, Padding: 1);
        Func<float[], float[], IConvKernel> generic = (w, b) => new GenericConv(spec, w, b);
        Assert.Equal("create", Assert.ThrowsAny<ArgumentException>(() => ConvHarness.Check(spec, null!)).ParamName);
        Assert.Equal("create", Assert.ThrowsAny<ArgumentException>(() => ConvHarness.Check(spec, (w, b) => null!)).ParamName);
        var other = new ConvSpec(2, 2, 3);
        Assert.Equal("create", Assert.ThrowsAny<ArgumentException>(() => ConvHarness.Check(spec, (w, b) => new GenericConv(other, w, b))).ParamName);
        foreach (HarnessSize bad in new HarnessSize[] { new(0, 5), new(5, -3), new(5, 5, -1), new(1 << 16, 1 << 16), new(5, 5, int.MaxValue), new(int.MinValue, 5) })
        {
            ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => ConvHarness.Check(spec, generic, [new(5, 5), bad]));
            Assert.Equal("sizes", e.ParamName);
            Assert.Contains(bad.ToString(), e.Message);
        }
        Assert.True(ConvHarness.Check(spec, generic, [new(5, 5, 0), new(1, 1)]).Passed);
    }
}
