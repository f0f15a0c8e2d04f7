using System;

namespace ConvGen;

/// <summary>
/// A grouped convolution with its weights: generated, generic and reference kernels all implement it, so the
/// harness, tests and benchmarks treat them alike. Instances are immutable after construction and
/// <see cref="Forward(ReadOnlySpan{float}, Span{float}, int, int, int)"/> may be called from many threads at once.
/// </summary>
public interface IConvKernel
{
    /// <summary>The layer this kernel computes.</summary>
    ConvSpec Spec { get; }

    /// <summary>
    /// <c>output = act(conv(input) + bias)</c>. Input NCHW <c>[batch, Cin, height, width]</c>, output NCHW
    /// <c>[batch, Cout, OH, OW]</c>. Throws <see cref="ArgumentException"/> before writing anything if a size is wrong.
    /// </summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output, int height, int width, int batch = 1);

    /// <summary>
    /// <c>output = act(conv(input) + bias + residual)</c>, the residual added in the store (as ResNet does before
    /// its ReLU). The residual has the output's shape and may be the output span itself.
    /// </summary>
    void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> residual, Span<float> output, int height, int width, int batch = 1);
}
