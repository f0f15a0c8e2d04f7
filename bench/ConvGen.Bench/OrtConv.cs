using System;
using System.IO;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using ConvGen;

namespace ConvGen.Bench;

/// <summary>
/// ONNX Runtime peer: a one-node Conv model (plus Relu or Clip(0, 6), which ORT fuses) built in memory, input and
/// output bound once over pinned arrays, so a call is <c>session.Run</c> and nothing else.
/// </summary>
public sealed class OrtConv : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _inputValue, _outputValue;
    private readonly string[] _inputNames = ["x"], _outputNames = ["y"];
    private readonly OrtValue[] _inputs, _outputs;

    /// <summary>Pinned NCHW input (write it before <see cref="Run"/>) and output.</summary>
    public float[] Input { get; }
    public float[] Output { get; }

    public OrtConv(ConvSpec spec, float[] weights, float[] bias, int height, int width, int threads = 1, int batch = 1)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (threads == 1) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(Model(spec, weights, bias, height, width, batch), options);
        long[] inShape = [batch, spec.Cin, height, width], outShape = [batch, spec.Cout, spec.OutputHeight(height), spec.OutputWidth(width)];
        Input = GC.AllocateArray<float>((int)spec.InputLength(height, width, batch), pinned: true);
        Output = GC.AllocateArray<float>((int)spec.OutputLength(height, width, batch), pinned: true);
        _inputValue = OrtValue.CreateTensorValueFromMemory(Input, inShape);
        _outputValue = OrtValue.CreateTensorValueFromMemory(Output, outShape);
        _inputs = [_inputValue];
        _outputs = [_outputValue];
    }

    public void Run() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

    public void Dispose()
    {
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    /// <summary>The ModelProto bytes (IR 8, opset 13), written field by field with CodedOutputStream.</summary>
    public static byte[] Model(ConvSpec spec, float[] weights, float[] bias, int height, int width, int batch = 1)
    {
        int k = spec.K, p = spec.Padding;
        string convOut = spec.Activation == ConvActivation.None ? "y" : "conv";
        byte[] conv = Message(o =>
        {
            o.String(1, "x");
            o.String(1, "w");
            if (spec.Bias) o.String(1, "b");
            o.String(2, convOut);
            o.String(3, "conv0");
            o.String(4, "Conv");
            o.Bytes(5, IntsAttribute("kernel_shape", k, k));
            o.Bytes(5, IntsAttribute("pads", p, p, p, p));
            o.Bytes(5, IntsAttribute("strides", spec.Stride, spec.Stride));
            o.Bytes(5, IntsAttribute("dilations", spec.Dilation, spec.Dilation));
            o.Bytes(5, IntAttribute("group", spec.Groups));
        });
        byte[] graph = Message(o =>
        {
            o.Bytes(1, conv);
            if (spec.Activation == ConvActivation.Relu)
                o.Bytes(1, Message(n => { n.String(1, "conv"); n.String(2, "y"); n.String(3, "act0"); n.String(4, "Relu"); }));
            if (spec.Activation == ConvActivation.Relu6)
                o.Bytes(1, Message(n =>
                {
                    n.String(1, "conv"); n.String(1, "min"); n.String(1, "max");
                    n.String(2, "y"); n.String(3, "act0"); n.String(4, "Clip");
                }));
            o.String(2, "convgen_bench");
            o.Bytes(5, Tensor("w", weights, spec.Cout, spec.CinPerGroup, k, k));
            if (spec.Bias) o.Bytes(5, Tensor("b", bias, spec.Cout));
            if (spec.Activation == ConvActivation.Relu6)
            {
                o.Bytes(5, Tensor("min", [0f]));
                o.Bytes(5, Tensor("max", [6f]));
            }
            o.Bytes(11, ValueInfo("x", batch, spec.Cin, height, width));
            o.Bytes(12, ValueInfo("y", batch, spec.Cout, spec.OutputHeight(height), spec.OutputWidth(width)));
        });
        return Message(o =>
        {
            o.Int64(1, 8);                       // ir_version
            o.String(2, "ConvGen.Bench");        // producer_name
            o.Bytes(7, graph);                   // graph
            o.Bytes(8, Message(s => { s.String(1, ""); s.Int64(2, 13); })); // opset_import: default domain, 13
        });
    }

    private static byte[] IntAttribute(string name, long value) =>
        Message(o => { o.String(1, name); o.Int64(3, value); o.Int64(20, 2); }); // type INT

    private static byte[] IntsAttribute(string name, params long[] values) => Message(o =>
    {
        o.String(1, name);
        foreach (long v in values) o.Int64(8, v);
        o.Int64(20, 7); // type INTS
    });

    private static byte[] Tensor(string name, float[] data, params long[] dims) => Message(o =>
    {
        foreach (long d in dims) o.Int64(1, d); // dims
        o.Int64(2, 1);                           // data_type FLOAT
        o.String(8, name);
        var raw = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, raw, 0, raw.Length); // raw_data is little-endian, as is this machine
        o.Bytes(9, raw);
    });

    private static byte[] ValueInfo(string name, params long[] dims) => Message(o =>
    {
        o.String(1, name);
        byte[] shape = Message(s => { foreach (long d in dims) s.Bytes(1, Message(dim => dim.Int64(1, d))); });
        byte[] tensor = Message(t => { t.Int64(1, 1); t.Bytes(2, shape); }); // elem_type FLOAT, shape
        o.Bytes(2, Message(type => type.Bytes(1, tensor)));
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
            output.Flush();
        }
        return stream.ToArray();
    }
}

internal static class CodedOutputStreamExtensions
{
    public static void Int64(this CodedOutputStream o, int field, long value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt64(value);
    }

    public static void String(this CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    public static void Bytes(this CodedOutputStream o, int field, byte[] value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(value));
    }
}
