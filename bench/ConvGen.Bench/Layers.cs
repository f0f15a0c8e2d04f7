using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using ConvGen;

namespace ConvGen.Bench;

/// <summary>A layer family of issue 3, with its targets for the generated kernel.</summary>
/// <param name="VsOrt">Minimum speed-up over ONNX Runtime.</param>
/// <param name="VsDnnl">Minimum speed-up over oneDNN with NCHW in and out.</param>
/// <param name="PeakPercent">Minimum % of the FMA peak (0: none).</param>
public sealed record Family(string Name, double VsOrt, double VsDnnl, double PeakPercent = 0)
{
    public static readonly Family Seed = new("seed layer", 2.5, 1.2, 85);
    public static readonly Family Narrow = new("narrow groups", 2.0, 1.0);
    public static readonly Family Depthwise = new("depthwise 3x3", 1.5, 1.0);
    public static readonly Family Wide = new("wide groups", 1.0, 1.0);
}

/// <summary>One benchmarked layer at one input size and batch (NCHW). Its name is what BenchmarkDotNet shows.</summary>
public sealed record Layer(string Name, ConvSpec Spec, int Height, int Width, bool Small, Family Family, int Batch = 1) : IComparable
{
    /// <summary>Orders layers as <see cref="Layers.All"/> then <see cref="Layers.MultiThread"/> list them (BenchmarkDotNet sorts parameters with it).</summary>
    public int CompareTo(object? other) => Layers.Order(this).CompareTo(other is Layer l ? Layers.Order(l) : -1);

    /// <summary>FLOPs of one forward pass: 2·N·Cout·(Cin/G)·K·K·OH·OW.</summary>
    public double Flops => Spec.Flops(Height, Width, Batch);
    public int InputLength => checked((int)Spec.InputLength(Height, Width, Batch));
    public int OutputLength => checked((int)Spec.OutputLength(Height, Width, Batch));
    public override string ToString() => Name;
}

/// <summary>The layers every benchmark carries (see shared/PERFORMANCE.md), and their data and reference output.</summary>
public static class Layers
{
    private static ConvSpec G32(int c, int stride = 1) => new(c, c, 3, Groups: 32, Stride: stride, Padding: 1);
    private static ConvSpec Depthwise(int c, int stride = 1, bool relu6 = false) =>
        new(c, c, 3, Groups: c, Stride: stride, Padding: 1, Bias: relu6, Activation: relu6 ? ConvActivation.Relu6 : ConvActivation.None);

    /// <summary>All layers, in report order. "Small" ones (≤ 10 MFLOP) also time the naive reference kernel.</summary>
    public static readonly Layer[] All =
    [
        new("seed256g32@56", G32(256), 56, 56, false, Family.Seed),
        new("seed256g32@28", G32(256), 28, 28, false, Family.Narrow),
        new("rx128g32@56", G32(128), 56, 56, false, Family.Narrow),
        new("rx256g32s2@56", G32(256, 2), 56, 56, false, Family.Narrow),
        new("rx512g32@14", G32(512), 14, 14, false, Family.Wide),
        new("rx1024g32@7", G32(1024), 7, 7, false, Family.Wide),
        new("dw32@112", Depthwise(32), 112, 112, true, Family.Depthwise),
        new("dw144s2@56", Depthwise(144, 2), 56, 56, true, Family.Depthwise),
        new("dw192@28+b+relu6", Depthwise(192, relu6: true), 28, 28, true, Family.Depthwise),
        new("sh240g3@28", new ConvSpec(240, 240, 1, Groups: 3), 28, 28, false, Family.Wide),
        new("sh384g8@14+b+relu", new ConvSpec(384, 384, 1, Groups: 8, Bias: true, Activation: ConvActivation.Relu), 14, 14, true, Family.Wide),
    ];

    /// <summary>
    /// The layers of the multi-thread section (<see cref="ConvMultiThread"/>): the seed layer at batch 1 and 4, one
    /// depthwise and one grouped 1x1. Named apart from <see cref="All"/> ("·nN") so their data and results never mix.
    /// </summary>
    public static readonly Layer[] MultiThread =
    [
        new("seed256g32@56·n1", G32(256), 56, 56, false, Family.Seed, 1),
        new("seed256g32@56·n4", G32(256), 56, 56, false, Family.Seed, 4),
        new("dw32@112·n1", Depthwise(32), 112, 112, false, Family.Depthwise, 1),
        new("sh240g3@28·n1", new ConvSpec(240, 240, 1, Groups: 3), 28, 28, false, Family.Wide, 1),
    ];

    /// <summary>Position in <see cref="All"/>, then in <see cref="MultiThread"/> (after all of All); -1 for others.</summary>
    public static int Order(Layer layer)
    {
        int i = Array.IndexOf(All, layer);
        if (i >= 0) return i;
        i = Array.IndexOf(MultiThread, layer);
        return i >= 0 ? All.Length + i : -1;
    }

    public static Layer Get(string name) =>
        Array.Find(All, l => l.Name == name) ?? Array.Find(MultiThread, l => l.Name == name) ?? throw new ArgumentException($"No layer {name}.");

    /// <summary>Random weights, bias and input of a layer: the same for every kernel (seeded by the layer's name).</summary>
    public sealed record Data(float[] Weights, float[] Bias, float[] Input);

    /// <summary>The reference output and, per element, the sum of |terms| that bounds any float kernel's rounding.</summary>
    public sealed record Expected(float[] Output, float[] Magnitude);

    private static readonly ConcurrentDictionary<string, Data> DataCache = new();
    private static readonly ConcurrentDictionary<string, Expected> ExpectedCache = new();

    public static Data DataOf(Layer layer) => DataCache.GetOrAdd(layer.Name, _ =>
    {
        var random = new Random(StableHash(layer.Name));
        return new Data(RandomArray(random, layer.Spec.WeightLength), RandomArray(random, layer.Spec.BiasLength),
            RandomArray(random, layer.InputLength));
    });

    public static Expected ExpectedOf(Layer layer) => ExpectedCache.GetOrAdd(layer.Name, _ =>
    {
        Data d = DataOf(layer);
        ConvSpec s = layer.Spec;
        var output = new float[layer.OutputLength];
        new ReferenceConv(s, d.Weights, d.Bias).Forward(d.Input, output, layer.Height, layer.Width, layer.Batch);
        // Σ|terms| = the same convolution over |weights|, |bias| and |input| with no activation.
        var plain = new ConvSpec(s.Cin, s.Cout, s.K, s.Groups, s.Stride, s.Padding, s.Dilation, s.Bias, ConvActivation.None, s.ShuffleOutput);
        var magnitude = new float[layer.OutputLength];
        new ReferenceConv(plain, Abs(d.Weights), Abs(d.Bias)).Forward(Abs(d.Input), magnitude, layer.Height, layer.Width, layer.Batch);
        return new Expected(output, magnitude);
    });

    /// <summary>
    /// Throws unless every element of <paramref name="got"/> is within <c>(n + 4)·2⁻²³·Σ|terms|</c> of the
    /// reference (n = (Cin/G)·K·K; ConvHarness's bound plus one unit for the magnitude's own rounding to float).
    /// A NaN or a wrong tap or channel fails it.
    /// </summary>
    public static void Check(Layer layer, string kernel, ReadOnlySpan<float> got)
    {
        Expected e = ExpectedOf(layer);
        if (got.Length != e.Output.Length) throw new InvalidOperationException($"{kernel} on {layer}: output length {got.Length}, expected {e.Output.Length}.");
        // The magnitude is itself rounded to float: allow one more unit for it.
        double unit = ConvHarness.ErrorUnit(layer.Spec) + Math.ScaleB(1.0, -23);
        int failures = 0, first = -1;
        for (int i = 0; i < got.Length; i++)
        {
            double error = Math.Abs((double)got[i] - e.Output[i]);
            if (!(error <= unit * e.Magnitude[i] * (1 + 1e-6)))
            {
                failures++;
                if (first < 0) first = i;
            }
        }
        if (failures > 0)
            throw new InvalidOperationException(
                $"{kernel} on {layer} ({layer.Spec}) is WRONG: {failures} of {got.Length} outputs outside the bound; " +
                $"first at {first}: expected {e.Output[first]:G9}, got {got[first]:G9}. Refusing to time it.");
    }

    private static float[] Abs(float[] values) => Array.ConvertAll(values, MathF.Abs);

    private static float[] RandomArray(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static int StableHash(string text)
    {
        int h = 17;
        foreach (char c in text) h = unchecked(h * 31 + c);
        return h;
    }
}
