using System;

namespace ConvGen;

/// <summary>
/// Folds an inference-mode batch norm that follows a convolution into the convolution's weights and bias, so that
/// <c>bn(conv(x))</c> becomes one convolution with a bias (give the layer <c>Bias = true</c>):
/// with <c>s[c] = gamma[c] / sqrt(variance[c] + epsilon)</c>, the folded weights are <c>w[c, ...]·s[c]</c> and the
/// folded bias is <c>(bias[c] - mean[c])·s[c] + beta[c]</c> (<c>bias</c> = 0 when the convolution had none).
/// The scale is computed in double and each result rounded once to float.
/// </summary>
public static class BatchNorm
{
    /// <summary>The PyTorch default <c>eps</c> of <c>nn.BatchNorm2d</c>.</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>
    /// Returns new folded OIHW weights (<see cref="ConvSpec.WeightLength"/> floats) and a bias of
    /// <see cref="ConvSpec.Cout"/> floats. See <see cref="BatchNorm"/> for the formula.
    /// </summary>
    /// <param name="spec">The convolution the batch norm follows; only its shape (Cout, weight length) is used.</param>
    /// <param name="weights">The convolution's OIHW weights, <c>[Cout, Cin/Groups, K, K]</c>.</param>
    /// <param name="bias">The convolution's bias (Cout floats), or empty if it has none.</param>
    /// <param name="gamma">Batch-norm scale (weight), Cout floats.</param>
    /// <param name="beta">Batch-norm shift (bias), Cout floats.</param>
    /// <param name="mean">Batch-norm running mean, Cout floats.</param>
    /// <param name="variance">Batch-norm running variance, Cout floats; <c>variance + epsilon</c> must be positive.</param>
    /// <param name="epsilon">Batch-norm epsilon, finite and not negative.</param>
    /// <exception cref="ArgumentException">A length is wrong (the message gives the expected one) or a variance is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is negative or not finite.</exception>
    public static (float[] Weights, float[] Bias) Fold(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        float epsilon = DefaultEpsilon)
    {
        Check(spec, weights, bias, gamma, beta, mean, variance, epsilon);
        var foldedWeights = new float[spec.WeightLength];
        var foldedBias = new float[spec.Cout];
        Fold(spec, weights, bias, gamma, beta, mean, variance, epsilon, foldedWeights, foldedBias);
        return (foldedWeights, foldedBias);
    }

    /// <summary>
    /// Writes the folded weights and bias into <paramref name="foldedWeights"/> (<see cref="ConvSpec.WeightLength"/>
    /// floats) and <paramref name="foldedBias"/> (<see cref="ConvSpec.Cout"/> floats). Every argument is checked
    /// before anything is written. <paramref name="foldedWeights"/> may be <paramref name="weights"/> itself (in
    /// place) but must not otherwise overlap it, nor overlap <paramref name="foldedBias"/>; <paramref name="foldedBias"/>
    /// may overlap any input. See <see cref="BatchNorm"/> for the formula.
    /// </summary>
    /// <param name="spec">The convolution the batch norm follows; only its shape (Cout, weight length) is used.</param>
    /// <param name="weights">The convolution's OIHW weights, <c>[Cout, Cin/Groups, K, K]</c>.</param>
    /// <param name="bias">The convolution's bias (Cout floats), or empty if it has none.</param>
    /// <param name="gamma">Batch-norm scale (weight), Cout floats.</param>
    /// <param name="beta">Batch-norm shift (bias), Cout floats.</param>
    /// <param name="mean">Batch-norm running mean, Cout floats.</param>
    /// <param name="variance">Batch-norm running variance, Cout floats; <c>variance + epsilon</c> must be positive.</param>
    /// <param name="epsilon">Batch-norm epsilon, finite and not negative.</param>
    /// <param name="foldedWeights">Receives the folded OIHW weights.</param>
    /// <param name="foldedBias">Receives the folded bias.</param>
    /// <exception cref="ArgumentException">A length is wrong (the message gives the expected one), a variance is invalid or outputs overlap.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is negative or not finite.</exception>
    public static void Fold(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        float epsilon, Span<float> foldedWeights, Span<float> foldedBias)
    {
        Check(spec, weights, bias, gamma, beta, mean, variance, epsilon);
        CheckLength(foldedWeights.Length, spec.WeightLength, nameof(foldedWeights), "Cout·(Cin/Groups)·K·K");
        CheckLength(foldedBias.Length, spec.Cout, nameof(foldedBias), "Cout");
        if (weights.Overlaps(foldedWeights, out int offset) && offset != 0)
            throw new ArgumentException("foldedWeights must be weights itself or not overlap it.", nameof(foldedWeights));
        if (((ReadOnlySpan<float>)foldedWeights).Overlaps(foldedBias))
            throw new ArgumentException("foldedBias must not overlap foldedWeights.", nameof(foldedBias));

        // Scales and biases go to a temporary first, so that foldedBias may alias any input.
        int cout = spec.Cout, perChannel = spec.WeightLength / cout;
        var scale = new double[cout];
        var newBias = new float[cout];
        for (int c = 0; c < cout; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt((double)variance[c] + epsilon);
            newBias[c] = (float)(((bias.IsEmpty ? 0.0 : bias[c]) - mean[c]) * scale[c] + beta[c]);
        }
        for (int c = 0; c < cout; c++)
        for (int i = c * perChannel; i < (c + 1) * perChannel; i++)
            foldedWeights[i] = (float)(weights[i] * scale[c]);
        newBias.CopyTo(foldedBias);
    }

    private static void Check(ConvSpec spec, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        float epsilon)
    {
        if (spec.Cin == 0) throw new ArgumentException("spec is default-initialised; create it with its constructor.", nameof(spec));
        CheckLength(weights.Length, spec.WeightLength, nameof(weights), "Cout·(Cin/Groups)·K·K");
        if (!bias.IsEmpty && bias.Length != spec.Cout)
            throw new ArgumentException(
                $"bias must hold Cout = {spec.Cout} floats, or be empty when the convolution has no bias, but holds {bias.Length}.", nameof(bias));
        CheckLength(gamma.Length, spec.Cout, nameof(gamma), "Cout");
        CheckLength(beta.Length, spec.Cout, nameof(beta), "Cout");
        CheckLength(mean.Length, spec.Cout, nameof(mean), "Cout");
        CheckLength(variance.Length, spec.Cout, nameof(variance), "Cout");
        if (!float.IsFinite(epsilon) || epsilon < 0)
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be finite and not negative.");
        for (int c = 0; c < variance.Length; c++)
            if (!((double)variance[c] + epsilon > 0) || !float.IsFinite(variance[c]))
                throw new ArgumentException(
                    $"variance[{c}] = {variance[c]}: variance + epsilon must be finite and positive.", nameof(variance));
    }

    private static void CheckLength(int length, int expected, string name, string formula)
    {
        if (length != expected)
            throw new ArgumentException($"{name} must hold {formula} = {expected} floats, but holds {length}.", name);
    }
}
