using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using ConvGen;

namespace ConvGen.Bench;

/// <summary>
/// Every layer × {generated, generic, ONNX Runtime, oneDNN NCHW, oneDNN native}; single thread, batch 1, NCHW.
/// Each setup builds one kernel, runs it once and checks it against the reference: a wrong kernel is never timed.
/// </summary>
public class Conv
{
    public static IEnumerable<Layer> AllLayers => Layers.All;

    [ParamsSource(nameof(AllLayers))]
    public Layer Layer { get; set; } = Layers.All[0];

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

    private void SetupKernel(IConvKernel kernel, string name)
    {
        Prepare();
        _kernel = kernel;
        _kernel.Forward(_input, _output, Layer.Height, Layer.Width);
        Layers.Check(Layer, name, _output);
    }

    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated()
    {
        Layers.Data d = Layers.DataOf(Layer);
        SetupKernel(Kernels.Generated(Layer.Spec, d.Weights, d.Bias), "Generated");
    }

    [GlobalSetup(Target = nameof(Generic))]
    public void SetupGeneric()
    {
        Layers.Data d = Layers.DataOf(Layer);
        SetupKernel(new GenericConv(Layer.Spec, d.Weights, d.Bias), "Generic");
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        Layers.Data d = Layers.DataOf(Layer);
        _ort = new OrtConv(Layer.Spec, d.Weights, d.Bias, Layer.Height, Layer.Width);
        d.Input.CopyTo(_ort.Input);
        Array.Fill(_ort.Output, float.NaN);
        _ort.Run();
        Layers.Check(Layer, "OnnxRuntime", _ort.Output);
    }

    [GlobalSetup(Targets = [nameof(OneDnnNchw), nameof(OneDnnNative)])]
    public void SetupOneDnn()
    {
        Layers.Data d = Layers.DataOf(Layer);
        Prepare();
        _dnnl = new DnnlConv(Layer.Spec, d.Weights, d.Bias, Layer.Height, Layer.Width);
        _dnnl.RunNchw(_input, _output);
        Layers.Check(Layer, "OneDnnNchw", _output);
        Array.Fill(_output, float.NaN);
        _dnnl.SetInput(_input);
        _dnnl.RunNative();
        _dnnl.GetOutput(_output);
        Layers.Check(Layer, "OneDnnNative", _output);
        DnnlInfo[Layer.Name] = _dnnl.Info;
    }

    /// <summary>oneDNN's implementation and layouts per layer, as its setup reported them (for the report).</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> DnnlInfo = new();

    /// <summary>Checks the output of the last call of <paramref name="method"/> against the reference again (smoke mode).</summary>
    internal void CheckLastOutput(string method)
    {
        if (method == nameof(OnnxRuntime)) { Layers.Check(Layer, method, _ort!.Output); return; }
        if (method == nameof(OneDnnNative)) _dnnl!.GetOutput(_output);
        Layers.Check(Layer, method, _output);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ort?.Dispose();
        _dnnl?.Dispose();
        _ort = null;
        _dnnl = null;
        _kernel = null;
    }

    [Benchmark] public void Generated() => _kernel!.Forward(_input, _output, Layer.Height, Layer.Width);
    [Benchmark] public void Generic() => _kernel!.Forward(_input, _output, Layer.Height, Layer.Width);
    [Benchmark] public void OnnxRuntime() => _ort!.Run();
    [Benchmark] public void OneDnnNchw() => _dnnl!.RunNchw(_input, _output);
    [Benchmark] public void OneDnnNative() => _dnnl!.RunNative();
}

/// <summary>The naive reference (double accumulation) on the small layers only.</summary>
public class ConvReference
{
    public static IEnumerable<Layer> SmallLayers => Layers.All.Where(l => l.Small);

    [ParamsSource(nameof(SmallLayers))]
    public Layer Layer { get; set; } = Layers.All.First(l => l.Small);

    private float[] _input = [], _output = [];
    private IConvKernel? _kernel;

    [GlobalSetup]
    public void Setup()
    {
        Layers.Data d = Layers.DataOf(Layer);
        _input = d.Input;
        _output = new float[Layer.OutputLength];
        _kernel = new ReferenceConv(Layer.Spec, d.Weights, d.Bias);
        _kernel.Forward(_input, _output, Layer.Height, Layer.Width);
        Layers.Check(Layer, "Reference", _output);
    }

    [Benchmark] public void Reference() => _kernel!.Forward(_input, _output, Layer.Height, Layer.Width);
}

/// <summary>The register-only FMA loop: the machine's peak, measured in the same run.</summary>
public class Peak
{
    private float _sink;

    [Benchmark] public void Fma() => _sink += FmaPeak.Run();
}
