using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using ConvGen;
using ConvGen.JitProbe;

// Runs each layer's Forward once on a small input, then makes sure every generated tile method is compiled
// (PrepareMethod), so that a JIT summary (DOTNET_JitStdOutFile + DOTNET_JitDisasmSummary=1) lists them all.
// Prints one line per layer and the number of tile methods; exit code 0 on success.
(Type Type, ConvSpec Spec, Func<float[], float[], IConvKernel> Create)[] layers =
[
    (typeof(Seed), Seed.Spec, (w, b) => new Seed(w, b)),
    (typeof(Depthwise3), Depthwise3.Spec, (w, b) => new Depthwise3(w, b)),
    (typeof(Pointwise240G3), Pointwise240G3.Spec, (w, b) => new Pointwise240G3(w, b)),
    (typeof(Pointwise512), Pointwise512.Spec, (w, b) => new Pointwise512(w, b)),
    (typeof(Stride2Dilation2Shuffled), Stride2Dilation2Shuffled.Spec, (w, b) => new Stride2Dilation2Shuffled(w, b)),
    (typeof(Dense11), Dense11.Spec, (w, b) => new Dense11(w, b)),
    (typeof(Depthwise11), Depthwise11.Spec, (w, b) => new Depthwise11(w, b)),
    (typeof(Depthwise32), Depthwise32.Spec, (w, b) => new Depthwise32(w, b)),
    (typeof(Positions32K5), Positions32K5.Spec, (w, b) => new Positions32K5(w, b)),
    (typeof(Positions32SkipRows), Positions32SkipRows.Spec, (w, b) => new Positions32SkipRows(w, b)),
    (typeof(Unpadded16), Unpadded16.Spec, (w, b) => new Unpadded16(w, b)),
    (typeof(Stem7), Stem7.Spec, (w, b) => new Stem7(w, b)),
    (typeof(Huge2048K11), Huge2048K11.Spec, (w, b) => new Huge2048K11(w, b)),
];

int tileMethods = 0;
foreach ((Type type, ConvSpec spec, Func<float[], float[], IConvKernel> create) in layers)
{
    // Layers with more than 16M weights are only compiled: Huge2048K11 would need 2 GB of them.
    if (spec.WeightLength <= 1 << 24)
    {
        IConvKernel kernel = create(new float[spec.WeightLength], new float[spec.BiasLength]);
        int size = Math.Max(spec.MinInputSize, 19);
        var input = new float[spec.InputLength(size, size)];
        var output = new float[spec.OutputLength(size, size)];
        kernel.Forward(input, output, size, size);
    }
    // Tile methods live on the layer class or on a nested type of it, depending on the emitter's layout.
    const BindingFlags Statics = BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly;
    foreach (MethodInfo method in type.GetNestedTypes(BindingFlags.NonPublic | BindingFlags.Public).Append(type).SelectMany(t => t.GetMethods(Statics)))
    {
        if (!method.Name.StartsWith("Tile_", StringComparison.Ordinal)) continue;
        RuntimeHelpers.PrepareMethod(method.MethodHandle);
        tileMethods++;
    }
    Console.WriteLine($"{type.Name}: {spec}");
}
Console.WriteLine($"tile methods: {tileMethods}");
return tileMethods > 0 ? 0 : 1;
