using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;
using ConvGen;

namespace ConvGen.Bench;

/// <summary>
/// The multi-thread section (issue 7): <see cref="Layers.MultiThread"/> × {generated on one thread, generated on all
/// cores (MaxDegreeOfParallelism = -1), ONNX Runtime and oneDNN NCHW with <see cref="Threads"/> threads}. Each setup
/// builds one kernel, runs it once and checks it against the reference: a wrong kernel is never timed.
/// MemoryDiagnoser (on every class through <see cref="Program.Config"/>; the attribute states it here) shows the
/// bytes allocated per call.
/// </summary>
[MemoryDiagnoser]
public class ConvMultiThread
{
    /// <summary>The thread count the peers get: every core, as MaxDegreeOfParallelism = -1 means.</summary>
    public static int Threads => Environment.ProcessorCount;

    public static IEnumerable<Layer> MultiThreadLayers => Layers.MultiThread;

    [ParamsSource(nameof(MultiThreadLayers))]
    public Layer Layer { get; set; } = Layers.MultiThread[0];

    private float[] _input = [], _output = [];
    private IConvKernel? _kernel;
    private OrtConv? _ort;
    private DnnlConv? _dnnl;

    private void Prepare()
    {
        _input = Layers.DataOf(Layer).Input;
        _output = new float[Layer.OutputLength];
        Array.Fill(_output, float.NaN);
    }

    private void SetupGenerated(int degree, string name)
    {
        Layers.Data d = Layers.DataOf(Layer);
        Prepare();
        _kernel = Kernels.Generated(Layer.Spec, d.Weights, d.Bias, degree);
        _kernel.Forward(_input, _output, Layer.Height, Layer.Width, Layer.Batch);
        Layers.Check(Layer, name, _output);
    }

    [GlobalSetup(Target = nameof(GeneratedOneThread))]
    public void SetupGeneratedOneThread() => SetupGenerated(1, nameof(GeneratedOneThread));

    [GlobalSetup(Target = nameof(GeneratedAllCores))]
    public void SetupGeneratedAllCores() => SetupGenerated(-1, nameof(GeneratedAllCores));

    [GlobalSetup(Target = nameof(OnnxRuntimeAllCores))]
    public void SetupOnnxRuntime()
    {
        Layers.Data d = Layers.DataOf(Layer);
        _ort = new OrtConv(Layer.Spec, d.Weights, d.Bias, Layer.Height, Layer.Width, Threads, Layer.Batch);
        d.Input.CopyTo(_ort.Input);
        Array.Fill(_ort.Output, float.NaN);
        _ort.Run();
        Layers.Check(Layer, nameof(OnnxRuntimeAllCores), _ort.Output);
    }

    [GlobalSetup(Target = nameof(OneDnnNchwAllCores))]
    public void SetupOneDnn()
    {
        Layers.Data d = Layers.DataOf(Layer);
        Prepare();
        _dnnl = new DnnlConv(Layer.Spec, d.Weights, d.Bias, Layer.Height, Layer.Width, Threads, Layer.Batch);
        _dnnl.RunNchw(_input, _output);
        Layers.Check(Layer, nameof(OneDnnNchwAllCores), _output);
        DnnlInfo[Layer.Name] = _dnnl.Info;
    }

    /// <summary>oneDNN's implementation and layouts per layer, as its setup reported them (for the report).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> DnnlInfo = new();

    /// <summary>Checks the output of the last call of <paramref name="method"/> against the reference again (smoke mode).</summary>
    internal void CheckLastOutput(string method) =>
        Layers.Check(Layer, method, method == nameof(OnnxRuntimeAllCores) ? _ort!.Output : _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort?.Dispose();
        _dnnl?.Dispose();
        _ort = null;
        _dnnl = null;
        _kernel = null;
    }

    [Benchmark] public void GeneratedOneThread() => _kernel!.Forward(_input, _output, Layer.Height, Layer.Width, Layer.Batch);
    [Benchmark] public void GeneratedAllCores() => _kernel!.Forward(_input, _output, Layer.Height, Layer.Width, Layer.Batch);
    [Benchmark] public void OnnxRuntimeAllCores() => _ort!.Run();
    [Benchmark] public void OneDnnNchwAllCores() => _dnnl!.RunNchw(_input, _output);
}
