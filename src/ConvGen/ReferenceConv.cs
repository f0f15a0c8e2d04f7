using System;

namespace ConvGen;

/// <summary>
/// The truth: plain loops, double accumulation, any layer at run time. Slow on purpose and obviously correct;
/// every other kernel is checked against it.
/// </summary>
public sealed class ReferenceConv : IConvKernel
{
    private readonly float[] _weights;
    private readonly float[] _bias;

    /// <summary>Creates the reference kernel over OIHW weights <c>[Cout, Cin/Groups, K, K]</c>.</summary>
    public ReferenceConv(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias = default)
    {
        ConvSpec.ThrowIfDefault(spec, nameof(spec));
        spec.CheckParameters(weights.Length, bias.Length);
        Spec = spec;
        _weights = weights.ToArray();
        _bias = bias.ToArray();
    }

    /// <inheritdoc/>
    public ConvSpec Spec { get; }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int height, int width, int batch = 1)
    {
        ConvEngine.CheckArguments(Spec, input, default, false, output, height, width, batch);
        Compute(Spec, _weights, _bias, input, default, false, output, default, height, width, batch);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> residual, Span<float> output, int height, int width, int batch = 1)
    {
        ConvEngine.CheckArguments(Spec, input, residual, true, output, height, width, batch);
        Compute(Spec, _weights, _bias, input, residual, true, output, default, height, width, batch);
    }

    /// <summary>
    /// Computes the layer in double and rounds once to float. When <paramref name="magnitude"/> is not empty it
    /// receives, per output element, the sum of the absolute values of every term (each weight·input product,
    /// the bias and the residual): the scale of the rounding error any float kernel may make.
    /// Arguments are assumed checked.
    /// </summary>
    internal static void Compute(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> input, ReadOnlySpan<float> residual, bool hasResidual, Span<float> output,
        Span<double> magnitude, int height, int width, int batch)
    {
        int oh = spec.OutputHeight(height), ow = spec.OutputWidth(width);
        int cinG = spec.CinPerGroup, coutG = spec.CoutPerGroup, k = spec.K;
        for (int n = 0; n < batch; n++)
        for (int oc = 0; oc < spec.Cout; oc++)
        {
            int g = oc / coutG;
            // With ShuffleOutput, channel g·(Cout/G) + i is stored at position i·G + g.
            int position = spec.ShuffleOutput ? oc % coutG * spec.Groups + g : oc;
            for (int y = 0; y < oh; y++)
            for (int x = 0; x < ow; x++)
            {
                double sum = 0, abs = 0;
                for (int ci = 0; ci < cinG; ci++)
                for (int kh = 0; kh < k; kh++)
                for (int kw = 0; kw < k; kw++)
                {
                    long iy = (long)y * spec.Stride - spec.Padding + (long)kh * spec.Dilation;
                    long ix = (long)x * spec.Stride - spec.Padding + (long)kw * spec.Dilation;
                    // A tap in the padding multiplies a zero: 0·w is 0 for finite w, NaN for an infinite or NaN weight.
                    float value = iy < 0 || iy >= height || ix < 0 || ix >= width
                        ? 0f
                        : input[((n * spec.Cin + g * cinG + ci) * height + (int)iy) * width + (int)ix];
                    double term = (double)weights[((oc * cinG + ci) * k + kh) * k + kw] * value;
                    sum += term;
                    abs += Math.Abs(term);
                }
                int at = ((n * spec.Cout + position) * oh + y) * ow + x;
                if (spec.Bias) { sum += bias[oc]; abs += Math.Abs(bias[oc]); }
                if (hasResidual) { sum += residual[at]; abs += Math.Abs(residual[at]); }
                output[at] = (float)Activate(sum, spec.Activation);
                if (!magnitude.IsEmpty) magnitude[at] = abs;
            }
        }
    }

    /// <summary>The activation, NaN-propagating (Math.Max/Min return NaN if either operand is NaN).</summary>
    internal static double Activate(double value, ConvActivation activation) => activation switch
    {
        ConvActivation.Relu => Math.Max(value, 0),
        ConvActivation.Relu6 => Math.Min(Math.Max(value, 0), 6),
        _ => value,
    };
}
