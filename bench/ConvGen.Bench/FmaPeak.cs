using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvGen.Bench;

/// <summary>
/// The FMA roofline: Vector256 FMAs on 12 independent accumulators (FMA latency 4 × 2 pipes needs 8 in flight),
/// registers only, no loads. 12 accumulators + 2 operands fit in 16 registers, so no spills with or without EVEX.
/// </summary>
public static class FmaPeak
{
    public const int Iterations = 1 << 19;
    /// <summary>FLOPs of one <see cref="Run"/>: iterations × 12 FMAs × 8 lanes × 2.</summary>
    public const double Flops = Iterations * 12.0 * 8 * 2;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run(int iterations = Iterations)
    {
        if (!Fma.IsSupported) return RunPortable(iterations);
        Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(0.001f);
        Vector256<float> c0 = Vector256.Create(0.0f), c1 = Vector256.Create(0.1f), c2 = Vector256.Create(0.2f), c3 = Vector256.Create(0.3f),
            c4 = Vector256.Create(0.4f), c5 = Vector256.Create(0.5f), c6 = Vector256.Create(0.6f), c7 = Vector256.Create(0.7f),
            c8 = Vector256.Create(0.8f), c9 = Vector256.Create(0.9f), c10 = Vector256.Create(1.0f), c11 = Vector256.Create(1.1f);
        for (int i = 0; i < iterations; i++)
        {
            c0 = Fma.MultiplyAdd(c0, a, b); c1 = Fma.MultiplyAdd(c1, a, b); c2 = Fma.MultiplyAdd(c2, a, b);
            c3 = Fma.MultiplyAdd(c3, a, b); c4 = Fma.MultiplyAdd(c4, a, b); c5 = Fma.MultiplyAdd(c5, a, b);
            c6 = Fma.MultiplyAdd(c6, a, b); c7 = Fma.MultiplyAdd(c7, a, b); c8 = Fma.MultiplyAdd(c8, a, b);
            c9 = Fma.MultiplyAdd(c9, a, b); c10 = Fma.MultiplyAdd(c10, a, b); c11 = Fma.MultiplyAdd(c11, a, b);
        }
        Vector256<float> sum = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11));
        return Vector256.Sum(sum);
    }

    private static float RunPortable(int iterations)
    {
        Vector256<float> a = Vector256.Create(0.999f), b = Vector256.Create(0.001f), c = Vector256<float>.Zero;
        for (int i = 0; i < iterations * 12; i++) c = c * a + b;
        return Vector256.Sum(c);
    }
}
