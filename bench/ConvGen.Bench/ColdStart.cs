using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ConvGen;

namespace ConvGen.Bench;

/// <summary>
/// First-call cost of the seed layer @56x56, JIT included: each measurement is a fresh process
/// (<c>--cold-child KERNEL</c>) that times the constructor and the first Forward, then checks that output.
/// </summary>
public static class ColdStart
{
    public static readonly string[] Kernels = ["Generated", "Generic", "OnnxRuntime"];
    public const int Runs = 5;

    public sealed record Result(string Kernel, double ConstructMs, double FirstCallMs, double SecondCallMs);

    /// <summary>Runs <see cref="Runs"/> child processes per kernel; returns the median of each figure.</summary>
    public static List<Result> Measure(TextWriter log)
    {
        var results = new List<Result>();
        foreach (string kernel in Kernels)
        {
            var runs = new List<double[]>();
            for (int i = 0; i < Runs; i++)
            {
                string output = RunChild(kernel);
                string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("cold ", StringComparison.Ordinal));
                if (line is null) throw new InvalidOperationException($"cold-start child for {kernel} failed:\n{output}");
                runs.Add(line.Split(' ').Skip(1).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray());
            }
            double Median(int k) => runs.Select(r => r[k]).OrderBy(v => v).ElementAt(runs.Count / 2);
            var result = new Result(kernel, Median(0), Median(1), Median(2));
            log.WriteLine($"cold start {kernel} [{Layers.All[0]}]: construct {result.ConstructMs:F1} ms, first call {result.FirstCallMs:F1} ms, second call {result.SecondCallMs:F1} ms (median of {Runs} processes)");
            results.Add(result);
        }
        return results;
    }

    /// <summary>In the child process: one cold construction and call; prints "cold CONSTRUCT_MS FIRST_MS SECOND_MS".</summary>
    public static int Child(string kernel)
    {
        Layer layer = Layers.All[0];
        Layers.Data d = Layers.DataOf(layer);
        var output = new float[layer.OutputLength];
        var clock = Stopwatch.StartNew();
        double construct, first, second;
        if (kernel == "OnnxRuntime")
        {
            using var ort = new OrtConv(layer.Spec, d.Weights, d.Bias, layer.Height, layer.Width);
            d.Input.CopyTo(ort.Input);
            construct = clock.Elapsed.TotalMilliseconds;
            ort.Run();
            first = clock.Elapsed.TotalMilliseconds - construct;
            ort.Run();
            second = clock.Elapsed.TotalMilliseconds - construct - first;
            ort.Output.CopyTo(output, 0);
        }
        else
        {
            IConvKernel k = kernel == "Generated" ? ConvGen.Bench.Kernels.Generated(layer.Spec, d.Weights, d.Bias)
                : new GenericConv(layer.Spec, d.Weights, d.Bias);
            construct = clock.Elapsed.TotalMilliseconds;
            k.Forward(d.Input, output, layer.Height, layer.Width);
            first = clock.Elapsed.TotalMilliseconds - construct;
            k.Forward(d.Input, output, layer.Height, layer.Width);
            second = clock.Elapsed.TotalMilliseconds - construct - first;
        }
        Layers.Check(layer, kernel, output);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold {construct:F3} {first:F3} {second:F3}"));
        return 0;
    }

    private static string RunChild(string kernel)
    {
        string self = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(ColdStart).Assembly.Location);
        start.ArgumentList.Add("--cold-child");
        start.ArgumentList.Add(kernel);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output + error.Result;
    }
}
