using System;
using System.Collections.Generic;
using System.Linq;
using ConvGen.Generated.Tests.Layers;
using Xunit;

namespace ConvGen.Generated.Tests;

public class GeneratedKernelTests
{
    public static readonly Dictionary<string, (ConvSpec Spec, Func<float[], float[], IConvKernel> Create)> Kernels = new()
    {
        [nameof(Seed)] = (Seed.Spec, (w, b) => new Seed(w, b)),
        [nameof(Depthwise)] = (Depthwise.Spec, (w, b) => new Depthwise(w, b)),
        [nameof(DepthwiseBiasRelu6)] = (DepthwiseBiasRelu6.Spec, (w, b) => new DepthwiseBiasRelu6(w, b)),
        [nameof(DepthwiseMultiplier2Stride2)] = (DepthwiseMultiplier2Stride2.Spec, (w, b) => new DepthwiseMultiplier2Stride2(w, b)),
        [nameof(Pointwise4PerGroup)] = (Pointwise4PerGroup.Spec, (w, b) => new Pointwise4PerGroup(w, b)),
        [nameof(Pointwise2PerGroupShuffled)] = (Pointwise2PerGroupShuffled.Spec, (w, b) => new Pointwise2PerGroupShuffled(w, b)),
        [nameof(Wide16Stride2)] = (Wide16Stride2.Spec, (w, b) => new Wide16Stride2(w, b)),
        [nameof(Rows8Stride2)] = (Rows8Stride2.Spec, (w, b) => new Rows8Stride2(w, b)),
        [nameof(Wide32)] = (Wide32.Spec, (w, b) => new Wide32(w, b)),
        [nameof(Positions32Stride2Shuffled)] = (Positions32Stride2Shuffled.Spec, (w, b) => new Positions32Stride2Shuffled(w, b)),
        [nameof(Positions64K5)] = (Positions64K5.Spec, (w, b) => new Positions64K5(w, b)),
        [nameof(Dilated3PerGroup)] = (Dilated3PerGroup.Spec, (w, b) => new Dilated3PerGroup(w, b)),
        [nameof(K5)] = (K5.Spec, (w, b) => new K5(w, b)),
        [nameof(Stem7x7)] = (Stem7x7.Spec, (w, b) => new Stem7x7(w, b)),
        [nameof(DepthwiseK5Stride3)] = (DepthwiseK5Stride3.Spec, (w, b) => new DepthwiseK5Stride3(w, b)),
        [nameof(DepthwiseDilatedPad3)] = (DepthwiseDilatedPad3.Spec, (w, b) => new DepthwiseDilatedPad3(w, b)),
        [nameof(DepthwisePad0)] = (DepthwisePad0.Spec, (w, b) => new DepthwisePad0(w, b)),
        [nameof(DepthwisePad2)] = (DepthwisePad2.Spec, (w, b) => new DepthwisePad2(w, b)),
        [nameof(DepthwiseK2)] = (DepthwiseK2.Spec, (w, b) => new DepthwiseK2(w, b)),
        [nameof(Depthwise1x1Pad1)] = (Depthwise1x1Pad1.Spec, (w, b) => new Depthwise1x1Pad1(w, b)),
        [nameof(DepthwiseStride2)] = (DepthwiseStride2.Spec, (w, b) => new DepthwiseStride2(w, b)),
        [nameof(DepthwiseStride2K2)] = (DepthwiseStride2K2.Spec, (w, b) => new DepthwiseStride2K2(w, b)),
        [nameof(UnpaddedDilated)] = (UnpaddedDilated.Spec, (w, b) => new UnpaddedDilated(w, b)),
        [nameof(UnpaddedTwoBlocksShuffled)] = (UnpaddedTwoBlocksShuffled.Spec, (w, b) => new UnpaddedTwoBlocksShuffled(w, b)),
        [nameof(Rows48PerGroup)] = (Rows48PerGroup.Spec, (w, b) => new Rows48PerGroup(w, b)),
        [nameof(PositionsDilated)] = (PositionsDilated.Spec, (w, b) => new PositionsDilated(w, b)),
        [nameof(Outer.Nested10PerGroup)] = (Outer.Nested10PerGroup.Spec, (w, b) => new Outer.Nested10PerGroup(w, b)),
        [nameof(GlobalNamespaceLayer)] = (GlobalNamespaceLayer.Spec, (w, b) => new GlobalNamespaceLayer(w, b)),
    };

    public static TheoryData<string> Names() => new(Kernels.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void GeneratedMatchesReference(string name)
    {
        (ConvSpec spec, Func<float[], float[], IConvKernel> create) = Kernels[name];
        HarnessReport report = ConvHarness.Check(spec, create);
        Assert.True(report.Passed, report.ToString());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GenericMatchesReference(string name)
    {
        ConvSpec spec = Kernels[name].Spec;
        HarnessReport report = ConvHarness.Check(spec, (w, b) => new GenericConv(spec, w, b));
        Assert.True(report.Passed, report.ToString());
    }

    /// <summary>
    /// Depthwise layers with stride 1 and 2 read their input in place (the lanes and rows that would be padding are
    /// zeros): row widths that are and are not whole vectors, heights from 1 (every
    /// row a border row) up, batches, residual, on one thread and on bands of rows cut for several.
    /// </summary>
    [Theory]
    [InlineData(nameof(Depthwise), 1)]
    [InlineData(nameof(DepthwiseBiasRelu6), 1)]
    [InlineData(nameof(DepthwisePad0), 1)]
    [InlineData(nameof(DepthwisePad2), 1)]
    [InlineData(nameof(DepthwiseK2), 1)]
    [InlineData(nameof(Depthwise1x1Pad1), 1)]
    [InlineData(nameof(DepthwiseStride2), 1)]
    [InlineData(nameof(DepthwiseStride2K2), 1)]
    [InlineData(nameof(DepthwiseStride2), -1)]
    [InlineData(nameof(DepthwiseK2), -1)]
    [InlineData(nameof(Depthwise1x1Pad1), -1)]
    public void InPlaceRowsMatchReference(string name, int degree)
    {
        int m = Kernels[name].Spec.MinInputSize;
        HarnessSize[] sizes =
        [
            new(m, 32), new(Math.Max(m, 2), 33, 2, Residual: true), new(Math.Max(m, 3), 39), new(6, 47, 1, Residual: true),
            new(13, 64, 2), new(23, 70, 1, Residual: true), new(9, 112),
            // With padding 2, more than a vector after a middle of one or two vectors.
            new(7, 23), new(8, 31, 1, Residual: true),
        ];
        CheckSizes(name, degree, sizes);
    }

    /// <summary>
    /// In-place depthwise rows store a row's partial last vector as a whole vector moved left over outputs already
    /// stored, except when the residual is the output itself (it would be added twice): with the residual given as
    /// the output, every width whose rows end in a partial vector (output rows of 9 to 23) gives what a separate
    /// residual gives.
    /// </summary>
    [Theory]
    [InlineData(nameof(Depthwise))]
    [InlineData(nameof(DepthwiseBiasRelu6))]
    [InlineData(nameof(DepthwiseStride2))]
    public void InPlaceRowsTakeTheOutputAsResidual(string name)
    {
        ConvSpec spec = Kernels[name].Spec;
        int[] widths = [.. new[] { 9, 13, 19, 23 }.Select(outWidth => spec.Stride * (outWidth - 1) + spec.K - 2 * spec.Padding)];
        Assert.Equal([9, 13, 19, 23], widths.Select(spec.OutputWidth));
        AssertOutputAsResidual(name, 11, 7, widths);
    }

    /// <summary>
    /// Position tiles: the first and last rows (Padding rows each) skip the tap row that lies in the padding, and
    /// inputs too short for that run every tap; bands cut for two threads start and end anywhere.
    /// </summary>
    [Theory]
    [InlineData(nameof(PositionsDilated), 1)]
    [InlineData(nameof(PositionsDilated), -1)]
    public void PositionRowsMatchReference(string name, int degree)
    {
        HarnessSize[] sizes =
        [
            new(1, 1), new(1, 7, 2), new(2, 5, 1, Residual: true), new(3, 3), new(4, 9, 2, Residual: true), new(5, 6),
            new(7, 7), new(8, 13, 1, Residual: true), new(14, 14, 2), new(17, 10),
        ];
        CheckSizes(name, degree, sizes);
    }

    /// <summary>
    /// Flat layers whose tiles read unpadded rows (where they run: rows narrower than a row tile, dilation 2): the rows
    /// whose taps lie inside the input are read in place, the others from a copy with zero rows. Widths below a vector (a vector spans several rows), around a tile (24) and
    /// its reach, and wide; heights from the minimum (every row a border row) up; segments long enough to run their
    /// first positions on their own; batches, residual, and bands cut for two threads.
    /// </summary>
    [Theory]
    [InlineData(nameof(Seed), 1)]
    [InlineData(nameof(UnpaddedDilated), 1)]
    [InlineData(nameof(UnpaddedTwoBlocksShuffled), 1)]
    [InlineData(nameof(Seed), -1)]
    [InlineData(nameof(UnpaddedDilated), -1)]
    public void UnpaddedRowsMatchReference(string name, int degree)
    {
        HarnessSize[] sizes =
        [
            new(1, 1), new(2, 3, 2), new(3, 7, 1, Residual: true), new(5, 8), new(4, 9, 2, Residual: true), new(6, 16),
            new(7, 23), new(8, 24, 1, Residual: true), new(3, 25), new(9, 26, 2), new(10, 27), new(12, 28, 1, Residual: true),
            new(13, 56), new(17, 61, 1, Residual: true),
            // Long enough that a segment runs its first positions on their own (the tiles after them start mid-vector).
            new(40, 56, 1, Residual: true), new(30, 112, 2),
        ];
        CheckSizes(name, degree, sizes);
    }

    /// <summary>
    /// Row tiles (8 output channels a group or a multiple, stride 1, 3x3; 16 × 7 or 8 × 28): rows narrower than a
    /// tile run in flat tiles (1 to 6; to 27 for 8 × 28), rows of one tile (7; 28), whole tiles (14, 28; 56), a last
    /// tile overlapping the one before (8, 13, 15 to 27, 29, 61; 29, 61), heights from 1 (every row a border row) up,
    /// batches, residual, and bands cut for two threads.
    /// </summary>
    [Theory]
    [InlineData(nameof(Seed), 1)]
    [InlineData(nameof(Seed), -1)]
    [InlineData(nameof(UnpaddedTwoBlocksShuffled), 1)]
    [InlineData(nameof(Rows48PerGroup), 1)]
    [InlineData(nameof(Wide32), 1)]
    [InlineData(nameof(UnpaddedTwoBlocksShuffled), -1)]
    [InlineData(nameof(Rows48PerGroup), -1)]
    [InlineData(nameof(Wide32), -1)]
    public void RowTilesMatchReference(string name, int degree)
    {
        HarnessSize[] sizes =
        [
            new(1, 1), new(2, 5, 1, Residual: true), new(3, 6), new(4, 7, 1, Residual: true), new(1, 7, 2), new(7, 7), new(5, 8, 2),
            new(1, 14), new(2, 13, 2), new(3, 15, 1, Residual: true), new(4, 16), new(5, 20, 2, Residual: true), new(6, 21), new(7, 22), new(8, 27, 1, Residual: true), new(9, 28, 2), new(10, 29), new(14, 14, 1, Residual: true), new(13, 61, 2),
            new(3, 56, 1, Residual: true), new(2, 57),
        ];
        CheckSizes(name, degree, sizes);
    }

    /// <summary>
    /// Row tiles with stride 2 (16 × 7 and 8 × 28) read the input where it is: inputs of 1 row (flat tiles instead)
    /// and 2 up, odd heights (the last row's last tap row in the padding) and even, odd widths (the last position's
    /// right tap in the padding) and even, output rows narrower than a tile (flat tiles), of one tile, whole tiles and a
    /// last tile overlapping the one before; batches, residual, and bands cut for two threads.
    /// </summary>
    [Theory]
    [InlineData(nameof(Wide16Stride2), 1)]
    [InlineData(nameof(Rows8Stride2), 1)]
    [InlineData(nameof(Positions32Stride2Shuffled), 1)]
    [InlineData(nameof(Wide16Stride2), -1)]
    [InlineData(nameof(Rows8Stride2), -1)]
    public void StrideTwoRowTilesMatchReference(string name, int degree)
    {
        HarnessSize[] sizes =
        [
            new(1, 15), new(2, 13, 2), new(3, 14, 1, Residual: true), new(4, 15, 2), new(5, 27), new(6, 28, 1, Residual: true),
            new(7, 29), new(9, 55, 2, Residual: true), new(10, 56), new(11, 57, 1, Residual: true), new(13, 60), new(2, 113),
        ];
        CheckSizes(name, degree, sizes);
    }

    /// <summary>
    /// A row's last row tile overlaps the one before it when the width is not a multiple of 7 and stores only the
    /// positions not stored yet: with the residual given as the output, input widths from 7 to 22 and 28 to 31, 57 and
    /// 113 (stride 1 and 2) give what a separate residual gives (it would be added twice otherwise).
    /// </summary>
    [Theory]
    [InlineData(nameof(Seed))]
    [InlineData(nameof(UnpaddedTwoBlocksShuffled))]
    [InlineData(nameof(Rows48PerGroup))]
    [InlineData(nameof(Wide16Stride2))]
    [InlineData(nameof(Rows8Stride2))]
    public void RowTilesTakeTheOutputAsResidual(string name) =>
        AssertOutputAsResidual(name, 12, 5, Enumerable.Range(7, 16).Concat([28, 29, 30, 31, 57, 113]));

    /// <summary>With the residual given as the output, kernel <paramref name="name"/> gives what a separate residual gives at every input width.</summary>
    private static void AssertOutputAsResidual(string name, int seed, int height, IEnumerable<int> widths)
    {
        (ConvSpec spec, Func<float[], float[], IConvKernel> create) = Kernels[name];
        var random = new Random(seed);
        float[] weights = Enumerable.Range(0, spec.WeightLength).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] bias = Enumerable.Range(0, spec.BiasLength).Select(_ => (float)random.NextDouble()).ToArray();
        IConvKernel kernel = create(weights, bias);
        foreach (int width in widths)
        {
            float[] input = Enumerable.Range(0, (int)spec.InputLength(height, width, 2)).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            float[] residual = Enumerable.Range(0, (int)spec.OutputLength(height, width, 2)).Select(_ => (float)random.NextDouble()).ToArray();
            var apart = new float[residual.Length];
            kernel.Forward(input, residual, apart, height, width, 2);
            float[] same = (float[])residual.Clone();
            kernel.Forward(input, same, same, height, width, 2);
            Assert.Equal(apart, same);
        }
    }

    /// <summary>Checks kernel <paramref name="name"/> against the reference at <paramref name="sizes"/>, on <paramref name="degree"/> threads.</summary>
    private static void CheckSizes(string name, int degree, HarnessSize[] sizes)
    {
        (ConvSpec spec, Func<float[], float[], IConvKernel> create) = Kernels[name];
        HarnessReport report = ConvHarness.Check(spec, (w, b) =>
        {
            var kernel = create(w, b);
            if (degree != 1) kernel.GetType().GetProperty("MaxDegreeOfParallelism")!.SetValue(kernel, degree);
            return kernel;
        }, sizes);
        Assert.True(report.Passed, report.ToString());
    }
}
