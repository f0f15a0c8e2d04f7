using System;
using System.IO;

namespace ConvGen.Robustness.Tests;

/// <summary>
/// The numerical test matrix as a plain program, so that it can run in a child process with hardware
/// intrinsics switched off: harness checks of every kernel, non-finite propagation, guarded odd shapes.
/// </summary>
public static class NumericMatrix
{
    /// <summary>Runs every check, writes failures and a summary line to <paramref name="log"/>; returns the number of failures.</summary>
    public static int Run(TextWriter log, out int checks)
    {
        int failures = 0, count = 0;
        void Record(string? failure)
        {
            count++;
            if (failure == null) return;
            failures++;
            log.WriteLine("FAIL " + failure);
        }
        foreach (KernelCase kernel in Kernels.All)
        {
            HarnessReport report = ConvHarness.Check(kernel.Spec, kernel.Create);
            Record(report.Passed ? null : report.ToString());
            foreach (Poison poison in Enum.GetValues<Poison>())
                Record(NonFinite.Check(kernel, poison, seed: 1));
        }
        foreach (object[] shape in CanaryTests.Shapes())
        {
            var spec = new ConvSpec((int)shape[0], (int)shape[1], (int)shape[2], (int)shape[3], (int)shape[4], (int)shape[5],
                (int)shape[6], (bool)shape[7], (ConvActivation)shape[8], (bool)shape[9]);
            int width = (int)shape[10];
            var random = new Random(width);
            float[] weights = Kernels.RandomArray(random, spec.WeightLength), bias = Kernels.RandomArray(random, spec.BiasLength);
            Record(CanaryTests.Guarded(new GenericConv(spec, weights, bias), weights, bias, spec.MinInputSize + width % 4, width,
                1 + width % 2, width % 3 == 0, random));
        }
        checks = count;
        return failures;
    }
}

/// <summary>Entry point of the test assembly run as a program: <c>dotnet ConvGen.Robustness.Tests.dll matrix</c>.</summary>
public static class Program
{
    /// <summary>Runs <see cref="NumericMatrix"/>; exit code 0 when every check passed.</summary>
    public static int Main(string[] args)
    {
        if (args.Length != 1 || args[0] != "matrix")
        {
            Console.Error.WriteLine("usage: ConvGen.Robustness.Tests matrix");
            return 2;
        }
        Console.WriteLine($"IsAccelerated={ConvEngine.IsAccelerated} HasWideRegisterFile={ConvEngine.HasWideRegisterFile}");
        int failures = NumericMatrix.Run(Console.Out, out int checks);
        Console.WriteLine($"checks={checks} failures={failures}");
        return failures == 0 ? 0 : 1;
    }
}
