using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Microsoft.ML.OnnxRuntime;

namespace ConvGen.Bench;

/// <summary>Writes results.md (tables per layer and kernel, targets, cold start) and results.png (GFLOP/s chart).</summary>
public static class Report
{
    /// <summary>The kernels in report order: BenchmarkDotNet method name and display name.</summary>
    public static readonly (string Method, string Name)[] KernelNames =
    [
        (nameof(Conv.Generated), "Generated"), (nameof(Conv.Generic), "Generic"), (nameof(Conv.OnnxRuntime), "ONNX Runtime"),
        (nameof(Conv.OneDnnNchw), "oneDNN NCHW"), (nameof(Conv.OneDnnNative), "oneDNN native"), (nameof(ConvReference.Reference), "Reference"),
    ];

    public static string OrtVersion() =>
        typeof(InferenceSession).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    /// <summary>/proc/loadavg's first three fields ("?" where there is none).</summary>
    public static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "?"; }
        catch (UnauthorizedAccessException) { return "?"; }
    }

    /// <summary>The checked-out commit, "?" without git.</summary>
    public static string GitCommit()
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git", "rev-parse --short HEAD")
                { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Program.RepoRoot() };
            using var git = System.Diagnostics.Process.Start(start);
            string text = git?.StandardOutput.ReadToEnd().Trim() ?? "";
            git?.WaitForExit();
            return git?.ExitCode == 0 && text.Length > 0 ? text : "?";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException) { return "?"; }
    }

    public static void Write(Summary summary, IReadOnlyList<ColdStart.Result>? cold, string dir)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "results.md"), Markdown(summary, cold));
        Chart(summary, Path.Combine(dir, "results.png"));
    }

    private static BenchmarkCase? Find(Summary s, Layer layer, string method) =>
        s.BenchmarksCases.FirstOrDefault(b => Measure.Method(b) == method && Measure.LayerOf(b) == layer && s[b]?.ResultStatistics is not null);

    private static string F(double v, string format, string suffix = "") =>
        double.IsNaN(v) || double.IsInfinity(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture) + suffix;

    public static string Markdown(Summary s, IReadOnlyList<ColdStart.Result>? cold)
    {
        double peak = Measure.PeakGflops(s);
        var env = s.HostEnvironmentInfo;
        var md = new StringBuilder();
        md.AppendLine("# ConvGen benchmark results").AppendLine();
        md.AppendLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine($"- Source: commit {GitCommit()} (the generator and engine measured)");
        md.AppendLine($"- Machine: {env.Cpu.Value?.ProcessorName ?? "?"}, {Environment.ProcessorCount} logical cores; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine($"- .NET {Environment.Version}, BenchmarkDotNet {env.BenchmarkDotNetVersion}, ONNX Runtime {OrtVersion()}, " +
                      $"oneDNN {(DnnlConv.Available ? DnnlConv.Version : "not available (skipped)")}");
        md.AppendLine("- Generated = the source-generated [GroupedConv] classes of bench/ConvGen.Bench/GeneratedLayers.cs; Generic = GenericConv (any shape at run time).");
        var run = s.BenchmarksCases[0].Job.Run;
        md.AppendLine("- Single thread, batch 1, fp32, NCHW in and out, every kernel checked against the reference before timing. " +
                      $"Times are medians (BenchmarkDotNet, in-process, {run.WarmupCount} warm-up + {run.IterationCount} iterations of ≥ {run.IterationTime} each); " +
                      "the machine is shared and noisy: expect ±10–20 %.");
        md.AppendLine($"- FMA peak (register-only Vector256 FMA loop, fastest iteration in this run): **{F(peak, "F1")} GFLOP/s**. " +
                      "FLOPs = 2·N·Cout·(Cin/G)·K·K·OH·OW. \"vs X\" = X's time / this time (> 1: faster than X).");
        md.AppendLine($"- Load average (1, 5, 15 min) at the start and end of the run: {Program.LoadAtStart} → {LoadAverage()} " +
                      "(2 cores: above 2 means other processes were competing for them).");
        md.AppendLine("- oneDNN NCHW includes its reorders from and to NCHW; oneDNN native runs the primitive alone in its own (blocked) layouts: the ceiling.");
        md.AppendLine().AppendLine("![GFLOP/s per layer and kernel](results.png)").AppendLine();

        md.AppendLine("## GFLOP/s").AppendLine();
        md.AppendLine("| layer | shape | MFLOP | " + string.Join(" | ", KernelNames.Select(k => k.Name)) + " |");
        md.AppendLine("|---|---|---:|" + string.Concat(KernelNames.Select(_ => "---:|")));
        foreach (Layer layer in Layers.All)
            md.AppendLine($"| {layer} | {layer.Spec.Cin}→{layer.Spec.Cout} K{layer.Spec.K} G{layer.Spec.Groups} S{layer.Spec.Stride} @{layer.Height}x{layer.Width} | {F(layer.Flops / 1e6, "F1")} | " +
                string.Join(" | ", KernelNames.Select(k => Find(s, layer, k.Method) is { } b ? F(Measure.Gflops(s, b), "F1") : "-")) + " |");

        md.AppendLine().AppendLine("## Generated kernel against the targets of issue 3").AppendLine();
        md.AppendLine("| layer | family | ms | GFLOP/s | % peak | vs ONNX Runtime (target) | vs oneDNN NCHW (target) | vs oneDNN native | met |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (Layer layer in Layers.All)
        {
            if (Find(s, layer, nameof(Conv.Generated)) is not { } b) continue;
            double ort = Measure.Speedup(s, b, nameof(Conv.OnnxRuntime)), dnnl = Measure.Speedup(s, b, nameof(Conv.OneDnnNchw));
            double pct = 100 * Measure.Gflops(s, b) / peak;
            Family f = layer.Family;
            bool met = ort >= f.VsOrt && (double.IsNaN(dnnl) || dnnl >= f.VsDnnl) && (f.PeakPercent == 0 || pct >= f.PeakPercent);
            md.AppendLine($"| {layer} | {f.Name} | {F(Measure.MedianNs(s, b) / 1e6, "F3")} | {F(Measure.Gflops(s, b), "F1")} | " +
                $"{F(pct, "F1")}{(f.PeakPercent > 0 ? $" (≥ {f.PeakPercent})" : "")} | {F(ort, "F2", "x")} (≥ {f.VsOrt:F1}) | " +
                $"{F(dnnl, "F2", "x")} (≥ {f.VsDnnl:F1}) | {F(Measure.Speedup(s, b, nameof(Conv.OneDnnNative)), "F2", "x")} | {(met ? "yes" : "**no**")} |");
        }

        md.AppendLine().AppendLine("## Every benchmark").AppendLine();
        md.AppendLine("| layer | kernel | ms | min ms | GFLOP/s | % peak | vs ONNX Runtime | vs oneDNN NCHW | vs oneDNN native |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Layer layer in Layers.All)
        foreach (var (method, name) in KernelNames)
        {
            if (Find(s, layer, method) is not { } b) continue;
            md.AppendLine($"| {layer} | {name} | {F(Measure.MedianNs(s, b) / 1e6, "F3")} | {F(Measure.MinNs(s, b) / 1e6, "F3")} | {F(Measure.Gflops(s, b), "F1")} | " +
                $"{F(100 * Measure.Gflops(s, b) / peak, "F1")} | {F(Measure.Speedup(s, b, nameof(Conv.OnnxRuntime)), "F2", "x")} | " +
                $"{F(Measure.Speedup(s, b, nameof(Conv.OneDnnNchw)), "F2", "x")} | {F(Measure.Speedup(s, b, nameof(Conv.OneDnnNative)), "F2", "x")} |");
        }
        MultiThreadTable(s, md);

        var failed = s.Reports.Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo).ToList();
        if (failed.Count > 0) md.AppendLine().AppendLine("Failed (not timed): " + string.Join(", ", failed));

        if (cold is { Count: > 0 })
        {
            Layer seed = Layers.All[0];
            md.AppendLine().AppendLine($"## First call (cold, JIT included), {seed}").AppendLine();
            md.AppendLine($"Each figure is the median of {ColdStart.Runs} fresh processes (`--cold`): the constructor (weight packing and its JIT), " +
                          "the first Forward (tier-0 code or a fresh ORT session's first run) and the second. Warm = the median above.").AppendLine();
            md.AppendLine("| kernel | construct ms | first call ms | second call ms | warm ms |");
            md.AppendLine("|---|---:|---:|---:|---:|");
            foreach (ColdStart.Result c in cold)
            {
                string method = c.Kernel;
                string warm = Find(s, seed, method) is { } b ? F(Measure.MedianNs(s, b) / 1e6, "F3") : "-";
                md.AppendLine($"| {c.Kernel} | {F(c.ConstructMs, "F1")} | {F(c.FirstCallMs, "F1")} | {F(c.SecondCallMs, "F1")} | {warm} |");
            }
        }

        if (!Conv.DnnlInfo.IsEmpty || !ConvMultiThread.DnnlInfo.IsEmpty)
        {
            md.AppendLine().AppendLine("## oneDNN's choices").AppendLine();
            md.AppendLine("| layer | implementation, layouts |").AppendLine("|---|---|");
            foreach (Layer layer in Layers.All)
                if (Conv.DnnlInfo.TryGetValue(layer.Name, out string? info)) md.AppendLine($"| {layer} | {info} |");
            foreach (Layer layer in Layers.MultiThread)
                if (ConvMultiThread.DnnlInfo.TryGetValue(layer.Name, out string? info)) md.AppendLine($"| {layer}, {ConvMultiThread.Threads} threads | {info} |");
        }
        return md.ToString();
    }

    /// <summary>Bytes allocated per call (MemoryDiagnoser), "-" when not measured.</summary>
    private static string Allocated(Summary s, BenchmarkCase? b) =>
        b is not null && s[b]?.GcStats.GetBytesAllocatedPerOperation(b) is long bytes ? bytes.ToString(CultureInfo.InvariantCulture) + " B" : "-";

    /// <summary>The multi-thread section (ConvMultiThread): generated on one thread and on all cores, and the peers on as many threads.</summary>
    private static void MultiThreadTable(Summary s, StringBuilder md)
    {
        if (!Layers.MultiThread.Any(l => Find(s, l, nameof(ConvMultiThread.GeneratedAllCores)) is not null
                                         || Find(s, l, nameof(ConvMultiThread.GeneratedOneThread)) is not null)) return;
        int threads = ConvMultiThread.Threads;
        md.AppendLine().AppendLine($"## Multi-thread ({threads} threads)").AppendLine();
        md.AppendLine($"Generated 1 thread = MaxDegreeOfParallelism 1; all cores = MaxDegreeOfParallelism -1 ({threads} threads here); " +
                      $"ONNX Runtime with IntraOpNumThreads = {threads}; oneDNN NCHW (reorders included) with omp_set_num_threads({threads}). " +
                      "ms = median; speed-up = generated 1 thread / generated all cores; \"vs X\" = X's median / generated all cores' median (> 1: faster). " +
                      "Allocated = bytes per call (BenchmarkDotNet's MemoryDiagnoser), generated 1 thread / all cores.").AppendLine();
        md.AppendLine("| layer | batch | MFLOP | generated 1 thread ms | generated all cores ms | speed-up | GFLOP/s all cores | ONNX Runtime ms | vs ONNX Runtime | oneDNN NCHW ms | vs oneDNN NCHW | allocated (1 thread / all cores) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (Layer layer in Layers.MultiThread)
        {
            BenchmarkCase? one = Find(s, layer, nameof(ConvMultiThread.GeneratedOneThread)), all = Find(s, layer, nameof(ConvMultiThread.GeneratedAllCores)),
                ort = Find(s, layer, nameof(ConvMultiThread.OnnxRuntimeAllCores)), dnnl = Find(s, layer, nameof(ConvMultiThread.OneDnnNchwAllCores));
            double Ms(BenchmarkCase? b) => b is null ? double.NaN : Measure.MedianNs(s, b) / 1e6;
            md.AppendLine($"| {layer.Name} | {layer.Batch} | {F(layer.Flops / 1e6, "F1")} | {F(Ms(one), "F3")} | {F(Ms(all), "F3")} | {F(Ms(one) / Ms(all), "F2", "x")} | " +
                $"{(all is null ? "-" : F(Measure.Gflops(s, all), "F1"))} | {F(Ms(ort), "F3")} | {F(Ms(ort) / Ms(all), "F2", "x")} | " +
                $"{F(Ms(dnnl), "F3")} | {F(Ms(dnnl) / Ms(all), "F2", "x")} | {Allocated(s, one)} / {Allocated(s, all)} |");
        }
        if (!DnnlConv.Available) md.AppendLine().AppendLine($"oneDNN skipped: {DnnlConv.Unavailable}");
    }

    private static void Chart(Summary s, string path)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var kernels = KernelNames.Where(k => Layers.All.Any(l => Find(s, l, k.Method) is not null)).ToArray();
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<(double, string)>();
        for (int i = 0; i < Layers.All.Length; i++)
        {
            double start = i * (kernels.Length + 1);
            for (int j = 0; j < kernels.Length; j++)
                if (Find(s, Layers.All[i], kernels[j].Method) is { } b)
                    bars.Add(new ScottPlot.Bar { Position = start + j, Value = Measure.Gflops(s, b), FillColor = palette.GetColor(j), Size = 0.9 });
            ticks.Add((start + (kernels.Length - 1) / 2.0, Layers.All[i].Name));
        }
        plot.Add.Bars(bars);
        for (int j = 0; j < kernels.Length; j++)
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = kernels[j].Name, FillColor = palette.GetColor(j) });
        double peak = Measure.PeakGflops(s);
        if (!double.IsNaN(peak))
        {
            var line = plot.Add.HorizontalLine(peak);
            line.LinePattern = ScottPlot.LinePattern.Dashed;
            line.Color = ScottPlot.Colors.Black;
            plot.Legend.ManualItems.Add(new ScottPlot.LegendItem { LabelText = $"FMA peak {peak:F0}", LineColor = ScottPlot.Colors.Black, LinePattern = ScottPlot.LinePattern.Dashed, LineWidth = 1 });
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.Select(t => t.Item1).ToArray(), ticks.Select(t => t.Item2).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 120;
        double top = Math.Max(double.IsNaN(peak) ? 0 : peak, bars.Select(b => b.Value).DefaultIfEmpty(1).Max());
        plot.Axes.SetLimitsY(0, top * 1.4); // leaves the top band to the legend
        plot.YLabel("GFLOP/s (one thread, batch 1)");
        plot.Title($"ConvGen vs ONNX Runtime and oneDNN, {DateTime.UtcNow:yyyy-MM-dd}");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 1600, 800);
    }
}
