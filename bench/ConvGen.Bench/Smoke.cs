using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace ConvGen.Bench;

/// <summary>
/// Not timed: builds every benchmark exactly as the suite does (its setup checks the kernel against the
/// reference), calls each benchmark method once and checks that output again. Returns the number of failures.
/// </summary>
public static class Smoke
{
    public static int Run(TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        int failures = 0, passed = 0;
        log.WriteLine(Program.Banner());
        Try(log, "Peak.Fma", () => { if (!(FmaPeak.Run(1000) > 0)) throw new InvalidOperationException("FMA loop returned nonsense."); }, ref passed, ref failures);
        foreach (Layer layer in Layers.All)
        {
            var conv = new Conv { Layer = layer };
            var cases = new List<(string Name, Action Setup, Action Run)>
            {
                (nameof(Conv.Generated), conv.SetupGenerated, conv.Generated),
                (nameof(Conv.Generic), conv.SetupGeneric, conv.Generic),
                (nameof(Conv.OnnxRuntime), conv.SetupOnnxRuntime, conv.OnnxRuntime),
            };
            if (DnnlConv.Available)
            {
                cases.Add((nameof(Conv.OneDnnNchw), conv.SetupOneDnn, conv.OneDnnNchw));
                cases.Add((nameof(Conv.OneDnnNative), conv.SetupOneDnn, conv.OneDnnNative));
            }
            TryCases(log, nameof(Conv), layer, cases, conv.CheckLastOutput, conv.Cleanup, ref passed, ref failures);
            if (layer.Small)
            {
                var reference = new ConvReference { Layer = layer };
                Try(log, $"ConvReference.Reference [{layer}]", () => { reference.Setup(); reference.Reference(); }, ref passed, ref failures);
            }
        }
        foreach (Layer layer in Layers.MultiThread)
        {
            var mt = new ConvMultiThread { Layer = layer };
            var cases = new List<(string Name, Action Setup, Action Run)>
            {
                (nameof(ConvMultiThread.GeneratedOneThread), mt.SetupGeneratedOneThread, mt.GeneratedOneThread),
                (nameof(ConvMultiThread.GeneratedAllCores), mt.SetupGeneratedAllCores, mt.GeneratedAllCores),
                (nameof(ConvMultiThread.OnnxRuntimeAllCores), mt.SetupOnnxRuntime, mt.OnnxRuntimeAllCores),
            };
            if (DnnlConv.Available) cases.Add((nameof(ConvMultiThread.OneDnnNchwAllCores), mt.SetupOneDnn, mt.OneDnnNchwAllCores));
            TryCases(log, nameof(ConvMultiThread), layer, cases, mt.CheckLastOutput, mt.Cleanup, ref passed, ref failures);
        }
        if (!DnnlConv.Available) log.WriteLine($"oneDNN benchmarks skipped: {DnnlConv.Unavailable}");
        log.WriteLine($"took {clock.Elapsed.TotalSeconds:F1} s");
        log.WriteLine($"smoke: {passed} passed, {failures} failed");
        return failures;
    }

    /// <summary>Each case of one benchmark class and layer: setup, one call, the output checked again, cleanup.</summary>
    private static void TryCases(TextWriter log, string benchmark, Layer layer, List<(string Name, Action Setup, Action Run)> cases,
        Action<string> checkLastOutput, Action cleanup, ref int passed, ref int failures)
    {
        foreach (var (name, setup, run) in cases)
            Try(log, $"{benchmark}.{name} [{layer}]", () =>
            {
                try { setup(); run(); checkLastOutput(name); }
                finally { cleanup(); }
            }, ref passed, ref failures);
    }

    private static void Try(TextWriter log, string name, Action action, ref int passed, ref int failures)
    {
        try
        {
            action();
            passed++;
            log.WriteLine($"  ok   {name}");
        }
        catch (Exception e)
        {
            failures++;
            log.WriteLine($"  FAIL {name}: {e.GetType().Name}: {e.Message}");
        }
    }
}
