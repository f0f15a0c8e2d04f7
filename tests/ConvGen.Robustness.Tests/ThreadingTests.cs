using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace ConvGen.Robustness.Tests;

/// <summary>One kernel instance shared by 8 threads gives bit-identical results to a lone call; calls are deterministic.</summary>
public class ThreadingTests
{
    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values).ToArray();

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void EightThreadsMatchALoneCall(string name)
    {
        KernelCase kernel = Kernels.Get(name);
        IConvKernel conv = Kernels.Build(kernel, 11, out _, out _);
        ConvSpec spec = kernel.Spec;
        // Each thread alternates two sizes, so its scratch is reused at another shape between calls.
        (int h, int w, int n)[] sizes = [(Math.Max(spec.MinInputSize, 23), Math.Max(spec.MinInputSize, 37), 2), (Math.Max(spec.MinInputSize, 6), Math.Max(spec.MinInputSize, 5), 1)];
        var random = new Random(5);
        float[][] inputs = sizes.Select(s => Kernels.RandomArray(random, (int)spec.InputLength(s.h, s.w, s.n))).ToArray();
        float[][] residuals = sizes.Select(s => Kernels.RandomArray(random, (int)spec.OutputLength(s.h, s.w, s.n))).ToArray();
        int[][] lone = new int[sizes.Length][];
        var loneThread = new Thread(() =>
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                var output = new float[residuals[i].Length];
                conv.Forward(inputs[i], residuals[i], output, sizes[i].h, sizes[i].w, sizes[i].n);
                lone[i] = Bits(output);
            }
        });
        loneThread.Start();
        loneThread.Join();

        const int threads = 8, rounds = 6;
        var failures = new string?[threads];
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < rounds; round++)
            {
                int i = (t + round) % sizes.Length;
                var output = new float[residuals[i].Length];
                conv.Forward(inputs[i], residuals[i], output, sizes[i].h, sizes[i].w, sizes[i].n);
                if (!Bits(output).AsSpan().SequenceEqual(lone[i])) failures[t] ??= $"thread {t}, round {round}, size {sizes[i]}";
            }
        })).ToArray();
        foreach (Thread worker in workers) worker.Start();
        foreach (Thread worker in workers) worker.Join();
        Assert.All(failures, Assert.Null);
    }

    [Theory]
    [MemberData(nameof(Kernels.Names), MemberType = typeof(Kernels))]
    public void RepeatedCallsAreDeterministic(string name)
    {
        KernelCase kernel = Kernels.Get(name);
        ConvSpec spec = kernel.Spec;
        IConvKernel first = Kernels.Build(kernel, 13, out _, out _), second = Kernels.Build(kernel, 13, out _, out _);
        int h = Math.Max(spec.MinInputSize, 17), w = Math.Max(spec.MinInputSize, 19);
        float[] input = Kernels.RandomArray(new Random(2), (int)spec.InputLength(h, w, 3));
        float[] Run(IConvKernel conv)
        {
            var output = new float[(int)spec.OutputLength(h, w, 3)];
            conv.Forward(input, output, h, w, 3);
            return output;
        }
        int[] expected = Bits(Run(first));
        Assert.Equal(expected, Bits(Run(first)));
        Assert.Equal(expected, Bits(Run(second)));
        // A call at another size in between must not leave anything behind.
        float[] other = Kernels.RandomArray(new Random(3), (int)spec.InputLength(h + 9, w + 30, 1));
        first.Forward(other, new float[(int)spec.OutputLength(h + 9, w + 30, 1)], h + 9, w + 30, 1);
        Assert.Equal(expected, Bits(Run(first)));
    }
}
