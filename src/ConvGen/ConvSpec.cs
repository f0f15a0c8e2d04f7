using System;

namespace ConvGen;

/// <summary>
/// One grouped 2-D convolution layer, the run-time mirror of <see cref="GroupedConvAttribute"/>, with the
/// output-size and buffer-length arithmetic. Semantics are those of PyTorch <c>nn.Conv2d</c> / ONNX <c>Conv</c>.
/// </summary>
public readonly record struct ConvSpec
{
    /// <summary>Creates and validates a layer description.</summary>
    /// <exception cref="ArgumentException">A size is not positive, padding is negative, or a channel count is not divisible by the groups.</exception>
    public ConvSpec(int Cin, int Cout, int K, int Groups = 1, int Stride = 1, int Padding = 0, int Dilation = 1,
        bool Bias = false, ConvActivation Activation = ConvActivation.None, bool ShuffleOutput = false)
    {
        if (ConvRules.Check(Cin, Cout, K, Groups, Stride, Padding, Dilation, ShuffleOutput, out string property, out string message)
            != ShapeProblem.None)
            throw new ArgumentException(message + ".", property);
        if (!Enum.IsDefined(Activation))
            throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "Activation must be None, Relu or Relu6.");
        this.Cin = Cin; this.Cout = Cout; this.K = K; this.Groups = Groups; this.Stride = Stride;
        this.Padding = Padding; this.Dilation = Dilation; this.Bias = Bias; this.Activation = Activation;
        this.ShuffleOutput = ShuffleOutput;
    }

    /// <summary>Input channels.</summary>
    public int Cin { get; }
    /// <summary>Output channels.</summary>
    public int Cout { get; }
    /// <summary>Square kernel size.</summary>
    public int K { get; }
    /// <summary>Channel groups.</summary>
    public int Groups { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on all four sides.</summary>
    public int Padding { get; }
    /// <summary>Dilation.</summary>
    public int Dilation { get; }
    /// <summary>Whether a bias is added.</summary>
    public bool Bias { get; }
    /// <summary>Fused activation.</summary>
    public ConvActivation Activation { get; }
    /// <summary>Whether the channel shuffle is fused into the store.</summary>
    public bool ShuffleOutput { get; }

    /// <summary>Input channels of one group.</summary>
    public int CinPerGroup => Cin / Groups;
    /// <summary>Output channels of one group.</summary>
    public int CoutPerGroup => Cout / Groups;
    /// <summary>Kernel taps, <c>K·K</c>.</summary>
    public int Taps => K * K;
    /// <summary>Length of the OIHW weights, <c>Cout·(Cin/Groups)·K·K</c>.</summary>
    public int WeightLength => Cout * CinPerGroup * K * K;
    /// <summary>Length of the bias: <c>Cout</c> when <see cref="Bias"/>, else 0.</summary>
    public int BiasLength => Bias ? Cout : 0;

    /// <summary>Output height for an input height, as PyTorch computes it (0 when the input is too small).</summary>
    public int OutputHeight(int height) => (int)Math.Min(int.MaxValue, ConvRules.OutputSize(height, K, Stride, Padding, Dilation));
    /// <summary>Output width for an input width, as PyTorch computes it (0 when the input is too small).</summary>
    public int OutputWidth(int width) => (int)Math.Min(int.MaxValue, ConvRules.OutputSize(width, K, Stride, Padding, Dilation));
    /// <summary>Smallest height (and width) that gives a non-empty output.</summary>
    public int MinInputSize => (int)Math.Min(int.MaxValue, ConvRules.MinInputSize(K, Padding, Dilation));

    /// <summary>Input length <c>batch·Cin·height·width</c> (as a long: it may exceed an array's size).</summary>
    public long InputLength(int height, int width, int batch = 1) => (long)batch * Cin * height * width;
    /// <summary>Output length <c>batch·Cout·OH·OW</c>.</summary>
    public long OutputLength(int height, int width, int batch = 1) =>
        (long)batch * Cout * OutputHeight(height) * OutputWidth(width);
    /// <summary>Floating-point operations of one forward pass, <c>2·N·Cout·(Cin/G)·K·K·OH·OW</c>.</summary>
    public double Flops(int height, int width, int batch = 1) =>
        2.0 * batch * Cout * CinPerGroup * K * K * OutputHeight(height) * OutputWidth(width);

    /// <summary>
    /// Checks the arguments of a forward pass and throws, naming the parameter and the expected size, if any is wrong.
    /// Pass <paramref name="residualLength"/> = -1 when there is no residual.
    /// </summary>
    public void CheckForward(int inputLength, int outputLength, int height, int width, int batch, int residualLength = -1)
    {
        if (Cin == 0) throw new InvalidOperationException("This ConvSpec is default-initialised; create it with its constructor.");
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be 1 or more.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be 1 or more.");
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be 0 or more.");
        long min = ConvRules.MinInputSize(K, Padding, Dilation);
        if (height < min)
            throw new ArgumentOutOfRangeException(nameof(height), height,
                $"height must be at least {min} for K = {K}, Padding = {Padding}, Dilation = {Dilation}: the output would be empty.");
        if (width < min)
            throw new ArgumentOutOfRangeException(nameof(width), width,
                $"width must be at least {min} for K = {K}, Padding = {Padding}, Dilation = {Dilation}: the output would be empty.");
        // In double: Cout·OH·OW may overflow even a long when the padding is huge.
        double inImage = (double)Cin * height * width, outImage = (double)Cout * OutputHeight(height) * OutputWidth(width);
        if (Math.Max(inImage, outImage) > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(width), width,
                $"One image is too large: Cin·height·width = {inImage:F0} and Cout·OH·OW = {outImage:F0} floats, but the largest span holds {Array.MaxLength}.");
        if ((double)batch * Math.Max(inImage, outImage) > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(batch), batch,
                $"batch·channels·height·width = {(double)batch * Math.Max(inImage, outImage):F0} floats exceeds the largest span ({Array.MaxLength}).");
        long inLength = InputLength(height, width, batch), outLength = OutputLength(height, width, batch);
        if (inputLength != inLength)
            throw new ArgumentException(
                $"input must hold batch·Cin·height·width = {batch}·{Cin}·{height}·{width} = {inLength} floats (NCHW), but holds {inputLength}.", "input");
        if (outputLength != outLength)
            throw new ArgumentException(
                $"output must hold batch·Cout·OH·OW = {batch}·{Cout}·{OutputHeight(height)}·{OutputWidth(width)} = {outLength} floats (NCHW), but holds {outputLength}.", "output");
        if (residualLength >= 0 && residualLength != outLength)
            throw new ArgumentException(
                $"residual must have the output's shape, {outLength} floats, but holds {residualLength}.", "residual");
    }

    /// <summary>Throws if <paramref name="spec"/> is <c>default</c> rather than made by the constructor.</summary>
    internal static void ThrowIfDefault(ConvSpec spec, string parameter)
    {
        if (spec.Cin == 0)
            throw new ArgumentException("The ConvSpec is default-initialised; create it with its constructor.", parameter);
    }

    /// <summary>Checks constructor arguments: OIHW weights of <see cref="WeightLength"/> and a bias iff <see cref="Bias"/>.</summary>
    public void CheckParameters(int weightsLength, int biasLength)
    {
        if (Cin == 0) throw new InvalidOperationException("This ConvSpec is default-initialised; create it with its constructor.");
        if (weightsLength != WeightLength)
            throw new ArgumentException(
                $"weights must hold Cout·(Cin/Groups)·K·K = {Cout}·{CinPerGroup}·{K}·{K} = {WeightLength} floats (OIHW), but holds {weightsLength}.", "weights");
        if (Bias && biasLength != Cout)
            throw new ArgumentException($"bias must hold Cout = {Cout} floats (the layer has Bias = true), but holds {biasLength}.", "bias");
        if (!Bias && biasLength != 0)
            throw new ArgumentException($"bias must be empty: the layer has Bias = false, but {biasLength} floats were given.", "bias");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Conv {Cin}->{Cout} K={K} G={Groups} S={Stride} P={Padding} D={Dilation}" +
        (Bias ? " +bias" : "") + (Activation != ConvActivation.None ? " " + Activation : "") + (ShuffleOutput ? " shuffled" : "");
}
