using System;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace ConvGen.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/ConvGen.Bench -- --filter '*'</c> runs the suite (then the cold-start
/// measurement, and writes bench/results/ when every benchmark ran); <c>-- --list flat</c> lists it;
/// <c>-- --smoke</c> builds and checks every benchmark once, untimed; <c>-- --cold</c> measures only the first call.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--smoke")) return Smoke.Run(Console.Out) == 0 ? 0 : 1;
        if (args.Length == 2 && args[0] == "--cold-child") return ColdStart.Child(args[1]);
        if (args.Contains("--cold"))
        {
            ColdStart.Measure(Console.Out);
            return 0;
        }

        Console.WriteLine(Banner());
        LoadAtStart = Report.LoadAverage();
        Summary[] summaries = BenchmarkSwitcher.FromTypes([typeof(Peak), typeof(Conv), typeof(ConvReference), typeof(ConvMultiThread)])
            .Run(args, Config()).ToArray();
        Summary? summary = summaries.FirstOrDefault(s => s.Reports.Length > 0);
        if (summary is null) return 0; // --list, --help, or nothing matched
        if (summary.Reports.Any(r => !r.Success))
            Console.WriteLine("Some benchmarks failed (a kernel refused by its check fails its setup): see the log above.");

        bool full = summary.BenchmarksCases.Length == ExpectedBenchmarkCount();
        var cold = full || args.Contains("--with-cold") ? ColdStart.Measure(Console.Out) : null;
        string dir = full ? Path.Combine(RepoRoot(), "bench", "results")
            : Path.Combine(summary.ResultsDirectoryPath, "convgen");
        Report.Write(summary, cold, dir);
        string bdnReport = Path.Combine(summary.ResultsDirectoryPath, summary.Title + "-report-github.md");
        if (File.Exists(bdnReport)) File.Copy(bdnReport, Path.Combine(dir, "benchmarkdotnet.md"), overwrite: true);
        Console.WriteLine(full ? $"Full run: results written to {dir}"
            : $"Partial run: results written to {dir} (bench/results/ is only written by a full run)");
        return summary.Reports.All(r => r.Success) ? 0 : 1;
    }

    /// <summary>The load average when the run started (for the report).</summary>
    public static string LoadAtStart { get; private set; } = "?";

    /// <summary>The job: in-process, few but long-enough iterations so the whole suite takes about 10 minutes here.</summary>
    public static IConfig Config()
    {
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(5)
            .WithIterationCount(25)
            .WithIterationTime(TimeInterval.FromMilliseconds(200))
            .WithUnrollFactor(1)
            .WithId("ConvGen");
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub)
            .AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default)
            .AddColumn(TargetMethodColumn.Method, new ParamColumn(nameof(Conv.Layer)), StatisticColumn.StdDev)
            .AddColumn(ValueColumn.All)
            .AddColumnProvider(DefaultColumnProviders.Metrics)
            .AddFilter(new SimpleFilter(b => DnnlConv.Available || !Measure.Method(b).StartsWith("OneDnn", StringComparison.Ordinal)))
            .WithOptions(ConfigOptions.JoinSummary)
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        return config;
    }

    private static int ExpectedBenchmarkCount() =>
        1 + Layers.All.Length * (DnnlConv.Available ? 5 : 3) + Layers.All.Count(l => l.Small)
        + Layers.MultiThread.Length * (DnnlConv.Available ? 4 : 3);

    public static string Banner() =>
        $"ConvGen.Bench: {Environment.ProcessorCount} cores, Vector256 {(Vector256.IsHardwareAccelerated ? "yes" : "no")}, " +
        $"Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, .NET {Environment.Version}\n" +
        $"  ONNX Runtime: {Report.OrtVersion()}\n" +
        $"  oneDNN: {(DnnlConv.Available ? DnnlConv.Version : "SKIPPED, " + DnnlConv.Unavailable)}";

    /// <summary>The folder holding ConvGen.sln, found upwards from the binary (or the current folder).</summary>
    public static string RepoRoot()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ConvGen.sln"))) return dir.FullName;
        throw new InvalidOperationException("ConvGen.sln not found above " + AppContext.BaseDirectory);
    }
}
