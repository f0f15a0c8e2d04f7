using System;
using System.Collections.Generic;
using System.Linq;
using ConvGen.Samples.Layers;

namespace ConvGen.Samples;

/// <summary>Which kernels a block is built from.</summary>
public enum KernelKind
{
    /// <summary>The kernels ConvGen generated for each layer's shape.</summary>
    Generated,
    /// <summary><see cref="GenericConv"/>: the same engine with run-time shapes.</summary>
    Generic,
    /// <summary><see cref="ReferenceConv"/>: plain loops in double, the truth.</summary>
    Reference,
}

/// <summary>One layer of a block: a name, its shape, and how to construct its generated kernel.</summary>
/// <param name="Name">Short name printed by the sample.</param>
/// <param name="Spec">The layer's shape (the generated class's <c>Spec</c>).</param>
/// <param name="CreateGenerated">Constructs the generated kernel from OIHW weights and a bias.</param>
public sealed record LayerDefinition(string Name, ConvSpec Spec, Func<float[], float[], IConvKernel> CreateGenerated)
{
    /// <summary>Constructs this layer's kernel of the given kind.</summary>
    public IConvKernel Create(KernelKind kind, LayerParameters parameters) => kind switch
    {
        KernelKind.Generated => CreateGenerated(parameters.Weights, parameters.Bias),
        KernelKind.Generic => new GenericConv(Spec, parameters.Weights, parameters.Bias),
        _ => new ReferenceConv(Spec, parameters.Weights, parameters.Bias),
    };
}

/// <summary>A layer's OIHW weights and bias (with the batch norm folded in).</summary>
/// <param name="Weights">OIHW weights.</param>
/// <param name="Bias">Bias, one per output channel.</param>
public sealed record LayerParameters(float[] Weights, float[] Bias);

/// <summary>
/// A residual block: a chain of layers, each reading the previous one's output, with the block input added in the
/// last layer's store before its activation (<c>out = act(conv(x) + bias + input)</c>), so no extra pass is needed.
/// </summary>
/// <param name="Name">The block's name.</param>
/// <param name="Channels">Input (and output) channels.</param>
/// <param name="Height">Input height the sample runs it at.</param>
/// <param name="Width">Input width the sample runs it at.</param>
/// <param name="Layers">The layers, in order.</param>
public sealed record BlockDefinition(string Name, int Channels, int Height, int Width, IReadOnlyList<LayerDefinition> Layers)
{
    /// <summary>Floating-point operations of one forward pass (multiply-adds count 2; the residual add is not counted).</summary>
    public double Flops(int height, int width, int batch = 1)
    {
        double flops = 0;
        foreach (LayerDefinition layer in Layers)
        {
            flops += layer.Spec.Flops(height, width, batch);
            (height, width) = (layer.Spec.OutputHeight(height), layer.Spec.OutputWidth(width));
        }
        return flops;
    }

    /// <summary>
    /// Random parameters as a trained network would be loaded: per layer, He-uniform conv weights without bias and
    /// batch-norm statistics (gamma, beta, running mean and variance), folded with <see cref="BatchNorm.Fold(ConvSpec, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, float)"/>.
    /// The same seed gives the same parameters.
    /// </summary>
    public LayerParameters[] LoadParameters(int seed)
    {
        var random = new Random(seed);
        float[] Uniform(int length, double from, double to) =>
            Enumerable.Range(0, length).Select(_ => (float)(from + (to - from) * random.NextDouble())).ToArray();
        var parameters = new LayerParameters[Layers.Count];
        for (int l = 0; l < Layers.Count; l++)
        {
            ConvSpec spec = Layers[l].Spec;
            double limit = Math.Sqrt(6.0 / (spec.CinPerGroup * spec.Taps));
            float[] weights = Uniform(spec.WeightLength, -limit, limit);
            float[] gamma = Uniform(spec.Cout, 0.5, 1.5), beta = Uniform(spec.Cout, -0.2, 0.2);
            float[] mean = Uniform(spec.Cout, -0.2, 0.2), variance = Uniform(spec.Cout, 0.5, 1.5);
            (float[] w, float[] b) = BatchNorm.Fold(spec, weights, default, gamma, beta, mean, variance);
            parameters[l] = new LayerParameters(w, b);
        }
        return parameters;
    }

    /// <summary>Builds the block from kernels of one kind over the given parameters.</summary>
    public Block Build(KernelKind kind, LayerParameters[] parameters)
    {
        if (parameters.Length != Layers.Count)
            throw new ArgumentException($"parameters must hold one entry per layer, {Layers.Count}, but holds {parameters.Length}.", nameof(parameters));
        return new Block(this, kind, parameters, Layers.Select((layer, l) => layer.Create(kind, parameters[l])).ToArray());
    }
}

/// <summary>A block built from kernels. Keeps its intermediate buffers, so one instance must not run on two threads at once.</summary>
public sealed class Block
{
    private readonly float[][] _buffers;

    internal Block(BlockDefinition definition, KernelKind kind, LayerParameters[] parameters, IConvKernel[] kernels)
    {
        Definition = definition; Kind = kind; Parameters = parameters; Kernels = kernels;
        _buffers = new float[kernels.Length - 1][];
    }

    /// <summary>What the block computes.</summary>
    public BlockDefinition Definition { get; }
    /// <summary>Which kernels it is built from.</summary>
    public KernelKind Kind { get; }
    /// <summary>The layers' parameters.</summary>
    public IReadOnlyList<LayerParameters> Parameters { get; }
    /// <summary>The layers' kernels.</summary>
    public IReadOnlyList<IConvKernel> Kernels { get; }

    /// <summary>Runs the block: NCHW input <c>[batch, Channels, height, width]</c>, output of the same shape.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int height, int width, int batch = 1)
    {
        ReadOnlySpan<float> x = input;
        int h = height, w = width;
        for (int l = 0; l < Kernels.Count; l++)
        {
            IConvKernel kernel = Kernels[l];
            if (l == Kernels.Count - 1)
            {
                kernel.Forward(x, input, output, h, w, batch); // the shortcut, fused into the store
                return;
            }
            int length = checked((int)kernel.Spec.OutputLength(h, w, batch));
            if (_buffers[l] == null || _buffers[l].Length != length) _buffers[l] = new float[length];
            kernel.Forward(x, _buffers[l], h, w, batch);
            x = _buffers[l];
            (h, w) = (kernel.Spec.OutputHeight(h), kernel.Spec.OutputWidth(w));
        }
    }

    /// <summary>The output of layer <paramref name="layer"/> (not the last) from the latest <see cref="Forward"/>.</summary>
    public ReadOnlySpan<float> LayerOutput(int layer) => _buffers[layer];
}

/// <summary>The three sample blocks, at the sizes the networks run them.</summary>
public static class Blocks
{
    /// <summary>ResNeXt-50 (32x4d) stage-2 bottleneck: 256→128→128 (G = 32)→256 at 56x56.</summary>
    public static BlockDefinition ResNeXt { get; } = new("ResNeXt-50 bottleneck (32x4d, stage 2)", 256, 56, 56,
    [
        new("1x1 reduce + ReLU", ResNeXtReduce.Spec, (w, b) => new ResNeXtReduce(w, b)),
        new("3x3 grouped + ReLU", ResNeXtGrouped.Spec, (w, b) => new ResNeXtGrouped(w, b)),
        new("1x1 expand + input, ReLU", ResNeXtExpand.Spec, (w, b) => new ResNeXtExpand(w, b)),
    ]);

    /// <summary>ShuffleNet v1 unit, g = 3, stride 1: 240→60 (G = 3, shuffled)→depthwise→240 (G = 3) at 28x28.</summary>
    public static BlockDefinition ShuffleNet { get; } = new("ShuffleNet v1 unit (g = 3, stride 1)", 240, 28, 28,
    [
        new("1x1 grouped + ReLU, shuffle fused", ShuffleReduce.Spec, (w, b) => new ShuffleReduce(w, b)),
        new("3x3 depthwise", ShuffleDepthwise.Spec, (w, b) => new ShuffleDepthwise(w, b)),
        new("1x1 grouped + input, ReLU", ShuffleExpand.Spec, (w, b) => new ShuffleExpand(w, b)),
    ]);

    /// <summary>MobileNetV2 inverted residual, expansion 6: 24→144→depthwise→24 at 56x56.</summary>
    public static BlockDefinition MobileNetV2 { get; } = new("MobileNetV2 inverted residual (t = 6)", 24, 56, 56,
    [
        new("1x1 expand + ReLU6", MobileExpand.Spec, (w, b) => new MobileExpand(w, b)),
        new("3x3 depthwise + ReLU6", MobileDepthwise.Spec, (w, b) => new MobileDepthwise(w, b)),
        new("1x1 project + input", MobileProject.Spec, (w, b) => new MobileProject(w, b)),
    ]);

    /// <summary>All three, in the order the sample runs them.</summary>
    public static IReadOnlyList<BlockDefinition> All { get; } = [ResNeXt, ShuffleNet, MobileNetV2];
}
