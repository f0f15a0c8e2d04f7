using System;
using Xunit;

namespace ConvGen.Samples.Tests;

public class ChannelShuffleTests
{
    [Theory]
    [InlineData(6, 3, 4, 5, 2)]
    [InlineData(240, 3, 7, 7, 1)]
    [InlineData(12, 4, 1, 1, 3)]
    [InlineData(8, 8, 3, 2, 1)]
    [InlineData(5, 1, 9, 3, 1)]
    [InlineData(6, 2, 3, 3, 0)]
    public void ShuffleMatchesANaiveLoop(int channels, int groups, int h, int w, int n)
    {
        float[] input = TestData.Random(channels * groups + h, n * channels * h * w);
        var expected = new float[input.Length];
        int perGroup = channels / groups;
        for (int b = 0; b < n; b++)
        for (int c = 0; c < channels; c++)
        {
            int g = c / perGroup, i = c % perGroup;
            for (int p = 0; p < h * w; p++)
                expected[(b * channels + i * groups + g) * h * w + p] = input[(b * channels + c) * h * w + p];
        }
        var got = new float[input.Length];
        Array.Fill(got, float.NaN);
        ChannelShuffle.Shuffle(input, got, channels, groups, h, w, n);
        Assert.Equal(expected, got);
    }

    [Fact]
    public void ShuffleOfSixChannelsInThreeGroups()
    {
        // Channels [a0 a1 | b0 b1 | c0 c1] become [a0 b0 c0 a1 b1 c1].
        float[] input = [0, 1, 10, 11, 20, 21];
        var output = new float[6];
        ChannelShuffle.Shuffle(input, output, 6, 3, 1, 1);
        Assert.Equal([0f, 10, 20, 1, 11, 21], output);
    }

    public static TheoryData<string, Type, int, int, int, int, int, int, int> BadArguments() => new()
    {
        // parameter, exception, input length, output length, channels, groups, height, width, batch
        { "channels", typeof(ArgumentOutOfRangeException), 0, 0, 0, 1, 2, 2, 1 },
        { "groups", typeof(ArgumentOutOfRangeException), 24, 24, 6, 0, 2, 2, 1 },
        { "groups", typeof(ArgumentException), 24, 24, 6, 4, 2, 2, 1 },
        { "height", typeof(ArgumentOutOfRangeException), 24, 24, 6, 3, 0, 2, 1 },
        { "width", typeof(ArgumentOutOfRangeException), 24, 24, 6, 3, 2, -1, 1 },
        { "batch", typeof(ArgumentOutOfRangeException), 24, 24, 6, 3, 2, 2, -1 },
        { "input", typeof(ArgumentException), 23, 24, 6, 3, 2, 2, 1 },
        { "output", typeof(ArgumentException), 24, 25, 6, 3, 2, 2, 1 },
        { "input", typeof(ArgumentException), 24, 24, 6, 3, 2, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void BadArgumentsThrowNamingTheParameterAndWriteNothing(string parameter, Type exception, int inputLength,
        int outputLength, int channels, int groups, int h, int w, int n)
    {
        float[] input = TestData.Random(1, inputLength);
        float[] output = new float[outputLength];
        Array.Fill(output, 42f);
        ArgumentException thrown = (ArgumentException)Assert.Throws(exception,
            () => ChannelShuffle.Shuffle(input, output, channels, groups, h, w, n));
        Assert.Equal(parameter, thrown.ParamName);
        Assert.All(output, v => Assert.Equal(42f, v));
        if (parameter is "input" or "output") Assert.Contains((n * channels * h * w).ToString(), thrown.Message);
    }

    [Fact]
    public void OverlappingSpansAreRejected()
    {
        float[] buffer = TestData.Random(2, 30);
        float[] before = (float[])buffer.Clone();
        var thrown = Assert.Throws<ArgumentException>(
            () => ChannelShuffle.Shuffle(buffer.AsSpan(0, 24), buffer.AsSpan(6, 24), 6, 3, 2, 2));
        Assert.Equal("output", thrown.ParamName);
        Assert.Equal(before, buffer);
        thrown = Assert.Throws<ArgumentException>(() => ChannelShuffle.Shuffle(buffer.AsSpan(0, 24), buffer.AsSpan(0, 24), 6, 3, 2, 2));
        Assert.Equal("output", thrown.ParamName);
    }
}
