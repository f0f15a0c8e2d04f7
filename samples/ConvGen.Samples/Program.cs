using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.InteropServices;
using ConvGen;
using ConvGen.Samples;

// Runs three real network blocks built from generated kernels, checks each against the same block built from the
// reference kernel, and times generated vs generic vs reference. Exit code 0 only if every check passes.
const int Seed = 2024;
const int Batch = 1;
Console.WriteLine($"ConvGen samples: fp32 NCHW, batch {Batch}, one thread, {RuntimeInformation.FrameworkDescription}, " +
    $"{RuntimeInformation.ProcessArchitecture}, Vector256+FMA tiles: {(ConvEngine.IsAccelerated ? "yes" : "no (scalar fallback)")}");
Console.WriteLine("Batch norm is folded into every conv's weights and bias at load time (BatchNorm.Fold); " +
    "the block input is added in the last conv's store.");
var total = Stopwatch.StartNew();
bool allPassed = true;
int number = 0;
foreach (BlockDefinition definition in Blocks.All)
{
    number++;
    int h = definition.Height, w = definition.Width;
    Console.WriteLine();
    Console.WriteLine($"[{number}/{Blocks.All.Count}] {definition.Name}, input {Batch}x{definition.Channels}x{h}x{w}, " +
        $"{definition.Flops(h, w, Batch) / 1e6:F1} MFLOP");
    int lh = h, lw = w, cin = definition.Channels;
    foreach (LayerDefinition layer in definition.Layers)
    {
        ConvSpec s = layer.Spec;
        Console.WriteLine($"    {layer.Name,-34} {s,-56} {Batch}x{s.Cin}x{lh}x{lw} -> {Batch}x{s.Cout}x{s.OutputHeight(lh)}x{s.OutputWidth(lw)}");
        (lh, lw) = (s.OutputHeight(lh), s.OutputWidth(lw));
    }

    Console.WriteLine("    running: reference block and error bound, generated and generic blocks, then timing ...");
    LayerParameters[] parameters = definition.LoadParameters(Seed + number);
    var random = new Random(Seed);
    float[] input = Enumerable.Range(0, definition.Channels * h * w * Batch).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    Block reference = definition.Build(KernelKind.Reference, parameters);
    Block generated = definition.Build(KernelKind.Generated, parameters);
    Block generic = definition.Build(KernelKind.Generic, parameters);
    BlockReference truth = BlockCheck.Reference(reference, input, h, w, Batch);
    // The bounds are explained on BlockCheck: worst-case rounding, scaled by the sum of |terms|, through the layers.
    foreach ((string name, Block block) in new[] { ("generated", generated), ("generic", generic) })
    {
        BlockCheckResult check = BlockCheck.Check(block, truth);
        allPassed &= check.Passed;
        Console.WriteLine($"    check {name,-9} vs reference: block output max |error| {check.Output.MaxError:0.00e+00}, " +
            $"error/bound {check.Output.WorstRatio:F4}; each layer on its own input: error/bound {check.Layers.WorstRatio:F4}" +
            (check.Passed ? "  PASS" : $"  FAIL ({check.Output.Failures} outputs, {check.Layers.Failures} layer elements out of bounds)"));
    }

    var output = new float[truth.Expected.Length];
    double flops = definition.Flops(h, w, Batch);
    var times = new List<string>();
    foreach ((string name, Block block, int warmups, int maxRuns) in new[]
             { ("generated", generated, 5, 200), ("generic", generic, 5, 200), ("reference", reference, 0, 3) })
    {
        (double ms, int runs) = MedianMilliseconds(() => block.Forward(input, output, h, w, Batch), warmups, maxRuns);
        times.Add($"{name} {ms,8:F2} ms {flops / ms / 1e6,6:F2} GFLOP/s ({runs} runs)");
    }
    Console.WriteLine("    time (median): " + string.Join(" | ", times));
}

Console.WriteLine();
Console.WriteLine($"{(allPassed ? "All checks passed" : "SOME CHECKS FAILED")} ({total.Elapsed.TotalSeconds:F1} s).");
return allPassed ? 0 : 1;

// Median time of repeated runs after warm-up; runs until maxRuns or about a second, at least 3.
static (double Milliseconds, int Runs) MedianMilliseconds(Action run, int warmups, int maxRuns)
{
    for (int i = 0; i < warmups; i++) run();
    var times = new List<double>();
    var budget = Stopwatch.StartNew();
    while (times.Count < maxRuns && (times.Count < 3 || budget.Elapsed.TotalSeconds < 1.0))
    {
        long start = Stopwatch.GetTimestamp();
        run();
        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }
    times.Sort();
    return (times[times.Count / 2], times.Count);
}
