using System;
using System.Linq;

namespace ConvGen.Samples.Tests;

internal static class TestData
{
    /// <summary>Uniform values in [-1, 1), the same for the same seed.</summary>
    public static float[] Random(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    public static float[] Apply(float[] values, ConvActivation activation) => values.Select(v => activation switch
    {
        ConvActivation.Relu => MathF.Max(v, 0),
        ConvActivation.Relu6 => MathF.Min(MathF.Max(v, 0), 6),
        _ => v,
    }).ToArray();

    public static float[] Add(float[] a, float[] b) => a.Zip(b, (x, y) => x + y).ToArray();
}
