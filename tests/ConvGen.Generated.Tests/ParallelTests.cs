using System;
using System.Linq;
using System.Threading.Tasks;
using ConvGen.Generated.Tests.Layers;
using Xunit;

namespace ConvGen.Generated.Tests;

/// <summary>Multi-threaded Forward: bit-identical to one thread for any degree, and safe from many callers at once.</summary>
public class ParallelTests
{
    private static (float[] Weights, float[] Bias, float[] Input) Data(ConvSpec spec, int h, int w, int batch)
    {
        var random = new Random(7);
        float[] Make(long n) => Enumerable.Range(0, (int)n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return (Make(spec.WeightLength), Make(spec.BiasLength), Make(spec.InputLength(h, w, batch)));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 2)]
    [InlineData(1, -1)]
    [InlineData(2, 3)]
    [InlineData(1, 64)]
    public void GeneratedIsBitIdenticalForAnyDegree(int batch, int degree)
    {
        (float[] weights, _, float[] input) = Data(Seed.Spec, 23, 29, batch);
        var one = new Seed(weights);
        var many = new Seed(weights) { MaxDegreeOfParallelism = degree };
        var expected = new float[Seed.Spec.OutputLength(23, 29, batch)];
        var got = new float[expected.Length];
        one.Forward(input, expected, 23, 29, batch);
        many.Forward(input, got, 23, 29, batch);
        Assert.Equal(expected, got);
        HarnessReport report = ConvHarness.Check(Seed.Spec, (w, b) => new Seed(w, b) { MaxDegreeOfParallelism = degree });
        Assert.True(report.Passed, report.ToString());
    }

    /// <summary>Position tiles (32 channels a group) over bands of rows cut for several threads.</summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, -1)]
    public void PositionTilesAreBitIdenticalForAnyDegree(int batch, int degree)
    {
        (float[] weights, float[] bias, float[] input) = Data(Wide32.Spec, 23, 29, batch);
        var expected = new float[Wide32.Spec.OutputLength(23, 29, batch)];
        var got = new float[expected.Length];
        new Wide32(weights, bias).Forward(input, expected, 23, 29, batch);
        new Wide32(weights, bias) { MaxDegreeOfParallelism = degree }.Forward(input, got, 23, 29, batch);
        Assert.Equal(expected, got);
        HarnessReport report = ConvHarness.Check(Wide32.Spec, (w, b) => new Wide32(w, b) { MaxDegreeOfParallelism = degree });
        Assert.True(report.Passed, report.ToString());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void GenericIsBitIdenticalForAnyDegree(int degree)
    {
        ConvSpec spec = Layers.Outer.Nested10PerGroup.Spec;
        (float[] weights, float[] bias, float[] input) = Data(spec, 40, 33, 2);
        var expected = new float[spec.OutputLength(40, 33, 2)];
        var got = new float[expected.Length];
        new GenericConv(spec, weights, bias).Forward(input, expected, 40, 33, 2);
        new GenericConv(spec, weights, bias) { MaxDegreeOfParallelism = degree }.Forward(input, got, 40, 33, 2);
        Assert.Equal(expected, got);
    }

    [Fact]
    public void ManyCallersOfOneParallelInstanceGetIdenticalResults()
    {
        (float[] weights, _, float[] input) = Data(Seed.Spec, 30, 30, 1);
        var kernel = new Seed(weights) { MaxDegreeOfParallelism = -1 };
        var expected = new float[Seed.Spec.OutputLength(30, 30)];
        new Seed(weights).Forward(input, expected, 30, 30);
        float[][] outputs = Enumerable.Range(0, 16).Select(_ => new float[expected.Length]).ToArray();
        Parallel.For(0, outputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            for (int repeat = 0; repeat < 5; repeat++) kernel.Forward(input, outputs[i], 30, 30);
        });
        foreach (float[] output in outputs) Assert.Equal(expected, output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void ForwardAllocatesNothingOnTheCallingThread(int degree)
    {
        (float[] weights, _, float[] input) = Data(Seed.Spec, 30, 30, 2);
        var kernel = new Seed(weights) { MaxDegreeOfParallelism = degree };
        var residual = new float[Seed.Spec.OutputLength(30, 30, 2)];
        var output = new float[residual.Length];
        for (int i = 0; i < 10; i++) { kernel.Forward(input, output, 30, 30, 2); kernel.Forward(input, residual, output, 30, 30, 2); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        const int calls = 400;
        for (int i = 0; i < calls / 2; i++) { kernel.Forward(input, output, 30, 30, 2); kernel.Forward(input, residual, output, 30, 30, 2); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Nothing per call (the smallest object is 24 bytes); at most a one-time lazy allocation of a wait handle's
        // lock the first time the caller has to wait for a worker.
        Assert.True(allocated < calls * 24 / 4, $"{allocated} bytes in {calls} calls");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void InvalidDegreeIsRejected(int degree)
    {
        var kernel = new Seed(new float[Seed.Spec.WeightLength]);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => kernel.MaxDegreeOfParallelism = degree);
        Assert.Equal("maxDegreeOfParallelism", error.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenericConv(Seed.Spec, new float[Seed.Spec.WeightLength]) { MaxDegreeOfParallelism = degree });
    }
}
