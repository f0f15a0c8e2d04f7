using System;

namespace ConvGen;

/// <summary>
/// ShuffleNet's channel shuffle as a separate pass, for when it cannot be fused into a convolution's store with
/// <see cref="GroupedConvAttribute.ShuffleOutput"/>: viewing the channels as <c>[groups, channels/groups]</c>,
/// transpose to <c>[channels/groups, groups]</c>. Output channel <c>i·G + g</c> is input channel <c>g·(C/G) + i</c>.
/// </summary>
public static class ChannelShuffle
{
    /// <summary>
    /// Shuffles NCHW <paramref name="input"/> <c>[batch, channels, height, width]</c> into <paramref name="output"/>
    /// of the same shape. In NCHW each channel is a contiguous plane, so the shuffle is one vectorised block copy
    /// per plane. Every argument is checked before anything is written.
    /// </summary>
    /// <param name="input">NCHW input, <c>batch·channels·height·width</c> floats.</param>
    /// <param name="output">NCHW output of the same length; must not overlap <paramref name="input"/>.</param>
    /// <param name="channels">Channels, a positive multiple of <paramref name="groups"/>.</param>
    /// <param name="groups">The shuffle's groups G (1 copies the input unchanged).</param>
    /// <param name="height">Height of a plane, 1 or more.</param>
    /// <param name="width">Width of a plane, 1 or more.</param>
    /// <param name="batch">Batch size, 0 or more (0 does nothing).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A length is wrong (the message gives the expected one), groups does not divide channels, or the spans overlap.</exception>
    public static void Shuffle(ReadOnlySpan<float> input, Span<float> output, int channels, int groups, int height, int width,
        int batch = 1)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 1 or more.");
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be 1 or more.");
        if (channels % groups != 0)
            throw new ArgumentException($"groups = {groups} must divide channels = {channels}.", nameof(groups));
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be 1 or more.");
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be 1 or more.");
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be 0 or more.");
        long length = (long)batch * channels * height * width;
        if (input.Length != length)
            throw new ArgumentException(
                $"input must hold batch·channels·height·width = {batch}·{channels}·{height}·{width} = {length} floats (NCHW), but holds {input.Length}.",
                nameof(input));
        if (output.Length != length)
            throw new ArgumentException(
                $"output must hold batch·channels·height·width = {batch}·{channels}·{height}·{width} = {length} floats (NCHW), but holds {output.Length}.",
                nameof(output));
        if (input.Overlaps(output))
            throw new ArgumentException("output must not overlap input: a shuffle in place would overwrite planes not yet read.", nameof(output));

        int plane = height * width, perGroup = channels / groups;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> x = input.Slice(n * channels * plane, channels * plane);
            Span<float> y = output.Slice(n * channels * plane, channels * plane);
            for (int g = 0; g < groups; g++)
            for (int i = 0; i < perGroup; i++)
                x.Slice((g * perGroup + i) * plane, plane).CopyTo(y.Slice((i * groups + g) * plane, plane));
        }
    }
}
