// This file is compiled into both the runtime library and the generator (linked), so that the shape rules
// and the tap arithmetic exist in exactly one place.
namespace ConvGen;

/// <summary>What is wrong with a convolution shape, if anything.</summary>
internal enum ShapeProblem
{
    None = 0,
    NotPositive,
    NegativePadding,
    NotDivisibleByGroups,
    ShuffleNeedsGroups,
    TooLarge,
}

/// <summary>Shape rules and tap arithmetic shared by the runtime and the generator.</summary>
internal static class ConvRules
{
    /// <summary>The largest array length .NET allows (Array.MaxLength, which netstandard2.0 lacks).</summary>
    public const int MaxLength = 0x7FFFFFC7;

    /// <summary>
    /// Layers whose outputs sum at least this many products, Cin/Groups·K·K, run in flat segments (see the engine):
    /// the copy of their output is cheap beside their tiles. Depthwise layers (9 products) run by rows.
    /// </summary>
    public const int FlatMinTerms = 32;

    /// <summary>
    /// Checks a shape; returns the first problem, the property it concerns and a sentence saying what is expected.
    /// </summary>
    public static ShapeProblem Check(int cin, int cout, int k, int groups, int stride, int padding, int dilation,
        bool shuffleOutput, out string property, out string message)
    {
        property = "";
        message = "";
        if (!Positive(cin, nameof(cin), "Cin", ref property, ref message)
            || !Positive(cout, nameof(cout), "Cout", ref property, ref message)
            || !Positive(k, nameof(k), "K", ref property, ref message)
            || !Positive(groups, nameof(groups), "Groups", ref property, ref message)
            || !Positive(stride, nameof(stride), "Stride", ref property, ref message)
            || !Positive(dilation, nameof(dilation), "Dilation", ref property, ref message))
            return ShapeProblem.NotPositive;
        if (padding < 0)
        {
            property = "Padding";
            message = $"Padding must be 0 or more, but is {padding}";
            return ShapeProblem.NegativePadding;
        }
        if (cin % groups != 0)
        {
            property = "Cin";
            message = $"Cin = {cin} is not divisible by Groups = {groups}";
            return ShapeProblem.NotDivisibleByGroups;
        }
        if (cout % groups != 0)
        {
            property = "Cout";
            message = $"Cout = {cout} is not divisible by Groups = {groups}";
            return ShapeProblem.NotDivisibleByGroups;
        }
        double weights = (double)cout * (cin / groups) * k * k; // in double: four ints can overflow a long
        if (weights > MaxLength || cin > MaxLength || cout > MaxLength)
        {
            property = "K";
            message = $"the weights, Cout·(Cin/Groups)·K·K = {weights:F0} floats, or a channel count exceed the largest array ({MaxLength})";
            return ShapeProblem.TooLarge;
        }
        // The dilated kernel spans (K-1)·Dilation + 1 input positions; tap offsets are ints and a padded row an array.
        long extent = (long)(k - 1) * dilation + 1;
        if (extent > MaxLength)
        {
            property = "Dilation";
            message = $"the dilated kernel, (K-1)·Dilation + 1 = {extent} positions, exceeds the largest array ({MaxLength})";
            return ShapeProblem.TooLarge;
        }
        if (shuffleOutput && groups == 1)
        {
            property = "ShuffleOutput";
            message = "ShuffleOutput needs Groups > 1: a shuffle with one group leaves every channel where it is";
            return ShapeProblem.ShuffleNeedsGroups;
        }
        return ShapeProblem.None;
    }

    private static bool Positive(int value, string _, string name, ref string property, ref string message)
    {
        if (value > 0) return true;
        property = name;
        message = $"{name} must be 1 or more, but is {value}";
        return false;
    }

    /// <summary>Output size along one axis, as PyTorch computes it (may be 0 or negative: the input is too small).</summary>
    public static long OutputSize(long input, int k, int stride, int padding, int dilation)
    {
        long span = input + 2L * padding - (long)dilation * (k - 1) - 1;
        return span < 0 ? 0 : span / stride + 1;
    }

    /// <summary>Smallest input size along one axis that gives an output of at least 1.</summary>
    public static long MinInputSize(int k, int padding, int dilation) =>
        System.Math.Max(1L, (long)dilation * (k - 1) + 1 - 2L * padding);

    /// <summary>
    /// Where a tap reads in the phase-split layout. The padded input is split by stride into <c>stride²</c> phase
    /// planes (phase <c>(r mod s, c mod s)</c> holds padded rows <c>r ≡ rp</c> and columns <c>c ≡ cp</c>), so that
    /// every tap of every output position reads at a constant offset from the output's flattened position
    /// <c>oh·Wq + ow</c>: plane <paramref name="phase"/>, then <paramref name="rowOffset"/> rows and
    /// <paramref name="colOffset"/> columns further on.
    /// </summary>
    public static void Tap(int kh, int kw, int stride, int dilation, out int phase, out int rowOffset, out int colOffset)
    {
        int dy = kh * dilation, dx = kw * dilation;
        phase = dy % stride * stride + dx % stride;
        rowOffset = dy / stride;
        colOffset = dx / stride;
    }

    /// <summary>Rows (or columns) a tap can reach past the output position, in phase-plane units.</summary>
    public static int Reach(int k, int stride, int dilation) => (k - 1) * dilation / stride;
}
