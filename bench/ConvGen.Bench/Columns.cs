using System;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ConvGen.Bench;

/// <summary>Median time, GFLOP/s, % of the FMA peak of the same run, and speed ratios against the peers.</summary>
public static class Measure
{
    /// <summary>Median time in ns, or NaN when the benchmark did not run.</summary>
    public static double MedianNs(Summary summary, BenchmarkCase benchmark) =>
        summary[benchmark]?.ResultStatistics?.Median ?? double.NaN;

    public static string Method(BenchmarkCase benchmark) => benchmark.Descriptor.WorkloadMethod.Name;

    public static Layer? LayerOf(BenchmarkCase benchmark) =>
        benchmark.Parameters.Items.FirstOrDefault(p => p.Name == "Layer")?.Value as Layer;

    public static double Flops(BenchmarkCase benchmark) =>
        Method(benchmark) == nameof(Peak.Fma) ? FmaPeak.Flops : LayerOf(benchmark)?.Flops ?? double.NaN;

    public static double Gflops(Summary summary, BenchmarkCase benchmark) => Flops(benchmark) / MedianNs(summary, benchmark);

    /// <summary>
    /// The FMA peak in GFLOP/s measured in this summary (NaN when the Peak benchmark did not run).
    /// Noise (other processes on this shared machine) only ever slows the loop down, so this uses its fastest
    /// iteration, not its median: a ceiling, which makes "% peak" conservative.
    public static double PeakGflops(Summary summary) =>
        summary.BenchmarksCases.Where(b => Method(b) == nameof(Peak.Fma))
            .Select(b => FmaPeak.Flops / (summary[b]?.ResultStatistics?.Min ?? double.NaN)).DefaultIfEmpty(double.NaN).First();

    /// <summary>Fastest iteration's time per call in ns (NaN when the benchmark did not run).</summary>
    public static double MinNs(Summary summary, BenchmarkCase benchmark) =>
        summary[benchmark]?.ResultStatistics?.Min ?? double.NaN;

    /// <summary>How many times faster <paramref name="benchmark"/> is than <paramref name="peer"/> on the same layer.</summary>
    public static double Speedup(Summary summary, BenchmarkCase benchmark, string peer)
    {
        Layer? layer = LayerOf(benchmark);
        if (layer is null) return double.NaN;
        BenchmarkCase? other = summary.BenchmarksCases.FirstOrDefault(b => Method(b) == peer && LayerOf(b) == layer);
        return other is null ? double.NaN : MedianNs(summary, other) / MedianNs(summary, benchmark);
    }
}

public sealed class ValueColumn(string name, string legend, Func<Summary, BenchmarkCase, double> value, string format, int order) : IColumn
{
    public string Id => nameof(ValueColumn) + "." + ColumnName;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => order;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double v = value(summary, benchmarkCase);
        return double.IsNaN(v) || double.IsInfinity(v) ? "-" : v.ToString(format, System.Globalization.CultureInfo.InvariantCulture);
    }

    public static IColumn[] All =>
    [
        new ValueColumn("ms", "Median time of one call, milliseconds", (s, b) => Measure.MedianNs(s, b) / 1e6, "F3", 0),
        new ValueColumn("min ms", "Fastest iteration's time of one call, milliseconds (the least disturbed by other processes)",
            (s, b) => Measure.MinNs(s, b) / 1e6, "F3", 0),
        new ValueColumn("GFLOP/s", "2·N·Cout·(Cin/G)·K·K·OH·OW / median time", Measure.Gflops, "F1", 1),
        new ValueColumn("% peak", "GFLOP/s as a percentage of the FMA peak of this run (Peak.Fma's fastest iteration)",
            (s, b) => 100 * Measure.Gflops(s, b) / Measure.PeakGflops(s), "F1", 2),
        new ValueColumn("vs ORT", "ONNX Runtime's median / this median (> 1: faster than ORT)",
            (s, b) => Measure.Speedup(s, b, nameof(Conv.OnnxRuntime)), "F2", 3),
        new ValueColumn("vs oneDNN", "oneDNN NCHW median / this median (> 1: faster)",
            (s, b) => Measure.Speedup(s, b, nameof(Conv.OneDnnNchw)), "F2", 4),
        new ValueColumn("vs oneDNN native", "oneDNN in its own layouts: median / this median",
            (s, b) => Measure.Speedup(s, b, nameof(Conv.OneDnnNative)), "F2", 5),
    ];
}
