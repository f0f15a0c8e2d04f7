using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvGen;

/// <summary>
/// Tiles in plain scalar code for any block: the path every kernel takes where Vector256 with FMA is not
/// hardware-accelerated (no AVX2, ARM64), so that results stay right without software-emulated vectors.
/// </summary>
internal readonly unsafe struct ScalarTiles : ITileKernels
{
    public static void Run(int block, ref TileArgs args) => TileRows.Run(ref args, &RunRow);

    private static void RunRow(ref TileArgs a)
    {
        int channels = a.Block.Channels, packed = a.Block.PackedChannels, cin = a.InputChannels, taps = a.TapOffsets.Length;
        for (int c = 0; c < channels; c++)
        for (nint j = 0; j < a.Count; j++)
        {
            float sum = 0;
            for (int ci = 0; ci < cin; ci++)
            {
                ref float x = ref Unsafe.Add(ref a.Input, ci * a.ChannelPitch + j);
                ref float w = ref Unsafe.Add(ref a.Weights, ci * taps * packed + c);
                for (int t = 0; t < taps; t++)
                    sum += Unsafe.Add(ref w, t * packed) * Unsafe.Add(ref x, a.TapOffsets[t]);
            }
            if (a.HasBias) sum += Unsafe.Add(ref a.Bias, c);
            nint at = c * a.OutputPitch + j;
            if (a.HasResidual) sum += Unsafe.Add(ref a.Residual, at);
            Unsafe.Add(ref a.Output, at) = TileStore.Activate(sum, a.Activation);
        }
    }
}

/// <summary>
/// The generic kernel's tiles: Vector256 FMA micro-kernels with run-time loops over input channels and taps,
/// for blocks packed 8, 4 or 1 channels wide (8×2, 4×3 and 1×4 vectors of accumulators).
/// </summary>
internal readonly unsafe struct GenericTiles : ITileKernels
{
    public static void Run(int block, ref TileArgs args) => TileRows.Run(ref args, &RunRow);

    private static void RunRow(ref TileArgs a)
    {
        int width = a.Block.TileWidth;
        // One tile at a time into a scratch of [packed channel][position], then stored with bias, residual and activation.
        Span<float> scratch = stackalloc float[a.Block.PackedChannels * width];
        ref float tile = ref MemoryMarshal.GetReference(scratch);
        for (nint start = 0; start < a.Count; start += width)
        {
            ref float x = ref Unsafe.Add(ref a.Input, start);
            switch (a.Block.PackedChannels)
            {
                case 8: Tile8x2(ref a, ref x, ref tile); break;
                case 4: Tile4x3(ref a, ref x, ref tile); break;
                default: Tile1x4(ref a, ref x, ref tile); break;
            }
            Store(ref a, ref tile, width, start, (int)Math.Min(width, a.Count - start));
        }
    }

    private static void Store(ref TileArgs a, ref float tile, int width, nint start, int count)
    {
        for (int c = 0; c < a.Block.Channels; c++)
        {
            Vector256<float> bias = Vector256.Create(a.HasBias ? Unsafe.Add(ref a.Bias, c) : 0f);
            ref float output = ref Unsafe.Add(ref a.Output, c * a.OutputPitch + start);
            ref float residual = ref Unsafe.Add(ref a.Residual, c * a.OutputPitch + start);
            ref float sums = ref Unsafe.Add(ref tile, c * width);
            int i = 0;
            for (; i + 8 <= count; i += 8)
                TileStore.Full(Vector256.LoadUnsafe(ref sums, (nuint)i) + bias, ref Unsafe.Add(ref output, i),
                    ref Unsafe.Add(ref residual, i), a.HasResidual, a.Activation);
            if (i < count)
                TileStore.Partial(Vector256.LoadUnsafe(ref sums, (nuint)i) + bias, ref Unsafe.Add(ref output, i),
                    ref Unsafe.Add(ref residual, i), a.HasResidual, count - i, a.Activation);
        }
    }

    private static void Tile8x2(ref TileArgs a, ref float input, ref float y)
    {
        int cin = a.InputChannels;
        ReadOnlySpan<nint> taps = a.TapOffsets;
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default,
                a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default,
                a60 = default, a61 = default, a70 = default, a71 = default;
            ref float w = ref a.Weights;
            for (int ci = 0; ci < cin; ci++)
            {
                ref float x = ref Unsafe.Add(ref input, ci * a.ChannelPitch);
                for (int t = 0; t < taps.Length; t++, w = ref Unsafe.Add(ref w, 8))
                {
                    Vector256<float> x0 = Vector256.LoadUnsafe(ref x, (nuint)taps[t]);
                    Vector256<float> x1 = Vector256.LoadUnsafe(ref x, (nuint)taps[t] + 8);
                    Vector256<float> b = Vector256.Create(w);
                    a00 = Fma.MultiplyAdd(x0, b, a00); a01 = Fma.MultiplyAdd(x1, b, a01);
                    b = Vector256.Create(Unsafe.Add(ref w, 1));
                    a10 = Fma.MultiplyAdd(x0, b, a10); a11 = Fma.MultiplyAdd(x1, b, a11);
                    b = Vector256.Create(Unsafe.Add(ref w, 2));
                    a20 = Fma.MultiplyAdd(x0, b, a20); a21 = Fma.MultiplyAdd(x1, b, a21);
                    b = Vector256.Create(Unsafe.Add(ref w, 3));
                    a30 = Fma.MultiplyAdd(x0, b, a30); a31 = Fma.MultiplyAdd(x1, b, a31);
                    b = Vector256.Create(Unsafe.Add(ref w, 4));
                    a40 = Fma.MultiplyAdd(x0, b, a40); a41 = Fma.MultiplyAdd(x1, b, a41);
                    b = Vector256.Create(Unsafe.Add(ref w, 5));
                    a50 = Fma.MultiplyAdd(x0, b, a50); a51 = Fma.MultiplyAdd(x1, b, a51);
                    b = Vector256.Create(Unsafe.Add(ref w, 6));
                    a60 = Fma.MultiplyAdd(x0, b, a60); a61 = Fma.MultiplyAdd(x1, b, a61);
                    b = Vector256.Create(Unsafe.Add(ref w, 7));
                    a70 = Fma.MultiplyAdd(x0, b, a70); a71 = Fma.MultiplyAdd(x1, b, a71);
                }
            }
            nint p = 16;
            a00.StoreUnsafe(ref y); a01.StoreUnsafe(ref y, 8);
            a10.StoreUnsafe(ref Unsafe.Add(ref y, p)); a11.StoreUnsafe(ref Unsafe.Add(ref y, p), 8);
            a20.StoreUnsafe(ref Unsafe.Add(ref y, 2 * p)); a21.StoreUnsafe(ref Unsafe.Add(ref y, 2 * p), 8);
            a30.StoreUnsafe(ref Unsafe.Add(ref y, 3 * p)); a31.StoreUnsafe(ref Unsafe.Add(ref y, 3 * p), 8);
            a40.StoreUnsafe(ref Unsafe.Add(ref y, 4 * p)); a41.StoreUnsafe(ref Unsafe.Add(ref y, 4 * p), 8);
            a50.StoreUnsafe(ref Unsafe.Add(ref y, 5 * p)); a51.StoreUnsafe(ref Unsafe.Add(ref y, 5 * p), 8);
            a60.StoreUnsafe(ref Unsafe.Add(ref y, 6 * p)); a61.StoreUnsafe(ref Unsafe.Add(ref y, 6 * p), 8);
            a70.StoreUnsafe(ref Unsafe.Add(ref y, 7 * p)); a71.StoreUnsafe(ref Unsafe.Add(ref y, 7 * p), 8);
        }
    }

    private static void Tile4x3(ref TileArgs a, ref float input, ref float y)
    {
        int cin = a.InputChannels;
        ReadOnlySpan<nint> taps = a.TapOffsets;
        {
            Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default,
                a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
            ref float w = ref a.Weights;
            for (int ci = 0; ci < cin; ci++)
            {
                ref float x = ref Unsafe.Add(ref input, ci * a.ChannelPitch);
                for (int t = 0; t < taps.Length; t++, w = ref Unsafe.Add(ref w, 4))
                {
                    Vector256<float> x0 = Vector256.LoadUnsafe(ref x, (nuint)taps[t]);
                    Vector256<float> x1 = Vector256.LoadUnsafe(ref x, (nuint)taps[t] + 8);
                    Vector256<float> x2 = Vector256.LoadUnsafe(ref x, (nuint)taps[t] + 16);
                    Vector256<float> b = Vector256.Create(w);
                    a00 = Fma.MultiplyAdd(x0, b, a00); a01 = Fma.MultiplyAdd(x1, b, a01); a02 = Fma.MultiplyAdd(x2, b, a02);
                    b = Vector256.Create(Unsafe.Add(ref w, 1));
                    a10 = Fma.MultiplyAdd(x0, b, a10); a11 = Fma.MultiplyAdd(x1, b, a11); a12 = Fma.MultiplyAdd(x2, b, a12);
                    b = Vector256.Create(Unsafe.Add(ref w, 2));
                    a20 = Fma.MultiplyAdd(x0, b, a20); a21 = Fma.MultiplyAdd(x1, b, a21); a22 = Fma.MultiplyAdd(x2, b, a22);
                    b = Vector256.Create(Unsafe.Add(ref w, 3));
                    a30 = Fma.MultiplyAdd(x0, b, a30); a31 = Fma.MultiplyAdd(x1, b, a31); a32 = Fma.MultiplyAdd(x2, b, a32);
                }
            }
            nint p = 24;
            a00.StoreUnsafe(ref y); a01.StoreUnsafe(ref y, 8); a02.StoreUnsafe(ref y, 16);
            ref float y1 = ref Unsafe.Add(ref y, p);
            a10.StoreUnsafe(ref y1); a11.StoreUnsafe(ref y1, 8); a12.StoreUnsafe(ref y1, 16);
            ref float y2 = ref Unsafe.Add(ref y, 2 * p);
            a20.StoreUnsafe(ref y2); a21.StoreUnsafe(ref y2, 8); a22.StoreUnsafe(ref y2, 16);
            ref float y3 = ref Unsafe.Add(ref y, 3 * p);
            a30.StoreUnsafe(ref y3); a31.StoreUnsafe(ref y3, 8); a32.StoreUnsafe(ref y3, 16);
        }
    }

    private static void Tile1x4(ref TileArgs a, ref float input, ref float y)
    {
        int cin = a.InputChannels;
        ReadOnlySpan<nint> taps = a.TapOffsets;
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            ref float w = ref a.Weights;
            for (int ci = 0; ci < cin; ci++)
            {
                ref float x = ref Unsafe.Add(ref input, ci * a.ChannelPitch);
                for (int t = 0; t < taps.Length; t++, w = ref Unsafe.Add(ref w, 1))
                {
                    Vector256<float> b = Vector256.Create(w);
                    nuint o = (nuint)taps[t];
                    a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, o), b, a0);
                    a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, o + 8), b, a1);
                    a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, o + 16), b, a2);
                    a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref x, o + 24), b, a3);
                }
            }
            a0.StoreUnsafe(ref y); a1.StoreUnsafe(ref y, 8); a2.StoreUnsafe(ref y, 16); a3.StoreUnsafe(ref y, 24);
        }
    }
}

/// <summary>Runs a one-row tile function over each row of a segment.</summary>
internal static unsafe class TileRows
{
    public static void Run(ref TileArgs args, delegate*<ref TileArgs, void> row)
    {
        TileArgs a = args;
        a.Rows = 1;
        for (nint r = 0; r < args.Rows; r++)
        {
            row(ref a);
            a.Input = ref Unsafe.Add(ref a.Input, args.RowPitch);
            a.Output = ref Unsafe.Add(ref a.Output, args.OutputRowPitch);
            a.Residual = ref Unsafe.Add(ref a.Residual, args.OutputRowPitch);
        }
    }
}
