using System;
using System.IO;
using ConvGen.Bench;
using Xunit;
using Xunit.Abstractions;

namespace ConvGen.Bench.Tests;

/// <summary>Proves that every benchmark of the suite still builds, runs and computes the right thing (not timed).</summary>
public class SmokeTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryBenchmarkRunsAndMatchesTheReference()
    {
        var log = new StringWriter();
        int failures = Smoke.Run(log);
        output.WriteLine(log.ToString());
        Assert.True(failures == 0, log.ToString());
    }

    [Fact]
    public void TheCheckRefusesAWrongOutput()
    {
        Layer layer = Layers.Get("dw192@28+b+relu6");
        float[] output = (float[])Layers.ExpectedOf(layer).Output.Clone();
        Layers.Check(layer, "exact", output);
        output[output.Length / 2] += 1e-3f;
        Assert.Throws<InvalidOperationException>(() => Layers.Check(layer, "wrong", output));
        output[output.Length / 2] = float.NaN;
        Assert.Throws<InvalidOperationException>(() => Layers.Check(layer, "NaN", output));
    }
}
