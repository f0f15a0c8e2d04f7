using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using ConvGen;

namespace ConvGen.Bench;

/// <summary>
/// oneDNN peer through bench/dnnl_shim (libconvgen_dnnl.so): one convolution primitive with layouts of its own
/// choosing. <see cref="RunNchw"/> times NCHW in and out (its reorders included), <see cref="RunNative"/> the
/// primitive alone on its own buffers (the ceiling).
/// </summary>
public sealed unsafe class DnnlConv : IDisposable
{
    private const string Lib = "convgen_dnnl";
    private IntPtr _handle;

    static DnnlConv() => NativeLibrary.SetDllImportResolver(typeof(DnnlConv).Assembly, Resolve);

    public DnnlConv(ConvSpec spec, float[] weights, float[] bias, int height, int width, int threads = 1, int batch = 1)
    {
        if (!Available) throw new InvalidOperationException("oneDNN is not available: " + Unavailable);
        fixed (float* w = weights)
        fixed (float* b = bias)
            _handle = convgen_dnnl_create(spec.Cin, spec.Cout, spec.K, spec.Groups, spec.Stride, spec.Padding,
                spec.Dilation, w, spec.Bias ? b : null, (int)spec.Activation, batch, height, width, threads);
        if (_handle == IntPtr.Zero) throw new InvalidOperationException("oneDNN: " + LastError());
        Info = Marshal.PtrToStringUTF8(convgen_dnnl_info(_handle)) ?? "";
    }

    /// <summary>oneDNN's implementation name and whether its src/dst layouts are NCHW or blocked.</summary>
    public string Info { get; }

    public void RunNchw(float[] input, float[] output)
    {
        fixed (float* i = input)
        fixed (float* o = output)
            Check(convgen_dnnl_run_nchw(_handle, i, o));
    }

    public void RunNative() => Check(convgen_dnnl_run_native(_handle));

    /// <summary>Reorders an NCHW input into the primitive's own src buffer (not timed).</summary>
    public void SetInput(float[] input) { fixed (float* i = input) Check(convgen_dnnl_set_input(_handle, i)); }

    /// <summary>Reorders the primitive's own dst buffer to NCHW (not timed).</summary>
    public void GetOutput(float[] output) { fixed (float* o = output) Check(convgen_dnnl_get_output(_handle, o)); }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero) convgen_dnnl_destroy(_handle);
        _handle = IntPtr.Zero;
    }

    private static void Check(int status)
    {
        if (status != 0) throw new InvalidOperationException("oneDNN: " + LastError());
    }

    private static string LastError() => Marshal.PtrToStringUTF8(convgen_dnnl_last_error()) ?? "";

    /// <summary>Whether the shim and libdnnl load; when not, <see cref="Unavailable"/> says why.</summary>
    public static bool Available => LoadError.Value is null;
    public static string? Unavailable => LoadError.Value;

    private static IntPtr _library;

    private static readonly Lazy<string?> LoadError = new(() =>
    {
        string? path = Candidates().FirstOrDefault(File.Exists);
        if (path is null)
            return "libconvgen_dnnl.so not built (install libdnnl-dev and rebuild ConvGen.Bench, or run bench/dnnl_shim/build.sh)";
        try
        {
            _library = NativeLibrary.Load(path);
            convgen_dnnl_last_error();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return $"{path} does not load: {e.Message}";
        }
    });

    /// <summary>Resolves the shim's name to the library that <see cref="LoadError"/> loaded.</summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == Lib ? _library : IntPtr.Zero;

    private static System.Collections.Generic.IEnumerable<string> Candidates()
    {
        const string file = "libconvgen_dnnl.so";
        if (Environment.GetEnvironmentVariable("CONVGEN_DNNL_SHIM") is { Length: > 0 } env) yield return env;
        yield return Path.Combine(AppContext.BaseDirectory, file);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            yield return Path.Combine(dir.FullName, "bench", "dnnl_shim", "out", file);
    }

    /// <summary>The loaded libdnnl's version, e.g. "2.6.3"; null when unavailable.</summary>
    public static string? Version => Available ? Marshal.PtrToStringUTF8(convgen_dnnl_version()) : null;

    [DllImport(Lib)] private static extern IntPtr convgen_dnnl_last_error();
    [DllImport(Lib)] private static extern IntPtr convgen_dnnl_version();
    [DllImport(Lib)] private static extern IntPtr convgen_dnnl_create(int cin, int cout, int k, int groups, int stride, int pad,
        int dilation, float* weights, float* bias, int activation, int n, int h, int w, int threads);
    [DllImport(Lib)] private static extern IntPtr convgen_dnnl_info(IntPtr handle);
    [DllImport(Lib)] private static extern int convgen_dnnl_run_nchw(IntPtr handle, float* input, float* output);
    [DllImport(Lib)] private static extern int convgen_dnnl_set_input(IntPtr handle, float* input);
    [DllImport(Lib)] private static extern int convgen_dnnl_run_native(IntPtr handle);
    [DllImport(Lib)] private static extern int convgen_dnnl_get_output(IntPtr handle, float* output);
    [DllImport(Lib)] private static extern void convgen_dnnl_destroy(IntPtr handle);
}
