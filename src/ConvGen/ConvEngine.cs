using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvGen;

/// <summary>
/// Runs a grouped convolution with a set of tile kernels: for each batch item, group and band of output rows it
/// copies the group's input into the phase-split padded layout (so that every tap is a constant offset and the
/// tiles need no edge branches), runs each output-channel block's tiles into a scratch, and stores the scratch
/// with bias, residual, activation and channel shuffle. Generated and generic kernels share it; only their tiles differ.
/// </summary>
public static unsafe class ConvEngine
{
    /// <summary>Floats of packed input a band aims at (keeps a band's input and scratch in L2).</summary>
    private const int BandBudgetFloats = 48 * 1024;

    /// <summary>Whether the Vector256 + FMA tiles run on this machine; if not, every kernel uses scalar tiles.</summary>
    public static bool IsAccelerated { get; } = Vector256.IsHardwareAccelerated && Fma.IsSupported;

    /// <summary>Checks a forward call's arguments; throws before anything is written.</summary>
    public static void CheckArguments(ConvSpec spec, ReadOnlySpan<float> input, ReadOnlySpan<float> residual,
        bool hasResidual, ReadOnlySpan<float> output, int height, int width, int batch)
    {
        spec.CheckForward(input.Length, output.Length, height, width, batch, hasResidual ? residual.Length : -1);
        if (input.Overlaps(output))
            throw new ArgumentException("output must not overlap input: the kernel reads input while it writes output.", "output");
        if (hasResidual && residual.Overlaps(output, out int offset) && !(offset == 0 && residual.Length == output.Length))
            throw new ArgumentException("residual must be the output span itself or not overlap it at all.", "residual");
    }

    /// <summary>Checks arguments, then runs the layer with the tile kernels <typeparamref name="TTiles"/>.</summary>
    public static void Forward<TTiles>(TilePlan plan, float[] packedWeights, float[]? bias, ReadOnlySpan<float> input,
        ReadOnlySpan<float> residual, bool hasResidual, Span<float> output, int height, int width, int batch)
        where TTiles : ITileKernels
    {
        CheckArguments(plan.Spec, input, residual, hasResidual, output, height, width, batch);
        if (batch == 0) return;
        if (IsAccelerated) Run<TTiles>(plan, packedWeights, bias, input, residual, hasResidual, output, height, width, batch);
        else Run<ScalarTiles>(plan, packedWeights, bias, input, residual, hasResidual, output, height, width, batch);
    }

    private static void Run<TTiles>(TilePlan plan, float[] packedWeights, float[]? bias, ReadOnlySpan<float> input,
        ReadOnlySpan<float> residual, bool hasResidual, Span<float> output, int height, int width, int batch)
        where TTiles : ITileKernels
    {
        var geometry = new Geometry(plan, height, width);
        Span<nint> taps = plan.Spec.Taps <= 64 ? stackalloc nint[plan.Spec.Taps] : new nint[plan.Spec.Taps];
        geometry.FillTapOffsets(taps);
        fixed (float* x = input, r = residual, y = output, w = packedWeights, b = bias)
        {
            var call = new Call(plan, geometry, x, hasResidual ? r : null, y, w, b, batch);
            int items = call.Items;
            for (int item = 0; item < items; item++) RunItem<TTiles>(in call, item, taps);
        }
    }

    /// <summary>The arguments of one forward call, as pointers to pinned memory.</summary>
    private readonly struct Call(TilePlan plan, Geometry geometry, float* input, float* residual, float* output,
        float* weights, float* bias, int batch)
    {
        public readonly TilePlan Plan = plan;
        public readonly Geometry Geometry = geometry;
        public readonly float* Input = input, Residual = residual, Output = output, Weights = weights, Bias = bias;
        public readonly int Batch = batch;
        public int Items => Batch * Plan.Spec.Groups * Geometry.Bands;
    }

    /// <summary>Sizes of the phase-split layout for one call.</summary>
    private readonly struct Geometry
    {
        public readonly int Height, Width, OutHeight, OutWidth, Stride, Padding, Phases, RowReach, ColReach;
        public readonly int RowPitch, BandRows, Bands, PhasePitch, ChannelPitch, OutputPitch, InputScratch, OutputScratch, StepPositions;
        private readonly int _k, _dilation;

        public Geometry(TilePlan plan, int height, int width)
        {
            ConvSpec s = plan.Spec;
            Height = height; Width = width;
            OutHeight = s.OutputHeight(height); OutWidth = s.OutputWidth(width);
            Stride = s.Stride; Padding = s.Padding; Phases = s.Stride * s.Stride;
            _k = s.K; _dilation = s.Dilation;
            RowReach = ColReach = ConvRules.Reach(s.K, s.Stride, s.Dilation);
            RowPitch = (width + 2 * s.Padding + s.Stride - 1) / s.Stride;
            long perRow = ((long)s.CinPerGroup * Phases + s.CoutPerGroup) * RowPitch;
            BandRows = (int)Math.Clamp(BandBudgetFloats / perRow - RowReach, 1, OutHeight);
            Bands = (OutHeight + BandRows - 1) / BandRows;
            PhasePitch = (BandRows + RowReach) * RowPitch;
            ChannelPitch = Phases * PhasePitch;
            int positions = BandRows * RowPitch, pitch = 0;
            foreach (TileBlock block in plan.Blocks)
                pitch = Math.Max(pitch, (positions + block.TileWidth - 1) / block.TileWidth * block.TileWidth);
            OutputPitch = pitch;
            // Tiles past the last position read at most one tile and the column reach beyond the last channel.
            InputScratch = s.CinPerGroup * ChannelPitch + ColReach + plan.MaxTileWidth + 8;
            int scratchRows = 0;
            foreach (TileBlock block in plan.Blocks) scratchRows = Math.Max(scratchRows, block.FirstChannel + block.PackedChannels);
            OutputScratch = scratchRows * OutputPitch;
            // A step: two output rows, and at least two of the widest tiles.
            StepPositions = Math.Max(2 * RowPitch, 2 * plan.MaxTileWidth);
        }

        public void FillTapOffsets(Span<nint> offsets)
        {
            for (int kh = 0; kh < _k; kh++)
            for (int kw = 0; kw < _k; kw++)
            {
                ConvRules.Tap(kh, kw, Stride, _dilation, out int phase, out int row, out int col);
                offsets[kh * _k + kw] = (nint)phase * PhasePitch + (nint)row * RowPitch + col;
            }
        }
    }

    /// <summary>
    /// Computes one (batch item, group, band of output rows) in steps of a few rows: pack the input rows the next
    /// tiles read, run every block's tiles up to the step's end, store the output rows that are now complete.
    /// The data of a step stays in L1 from pack to store.
    /// </summary>
    private static void RunItem<TTiles>(in Call call, int item, ReadOnlySpan<nint> taps) where TTiles : ITileKernels
    {
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int band = item % geo.Bands, g = item / geo.Bands % spec.Groups, n = item / geo.Bands / spec.Groups;
        int oh0 = band * geo.BandRows, rows = Math.Min(geo.BandRows, geo.OutHeight - oh0);
        Scratch.Get(geo.InputScratch, geo.OutputScratch, out float* x, out float* y);
        ReadOnlySpan<TileBlock> blocks = call.Plan.Blocks;
        Span<int> done = stackalloc int[blocks.Length];
        int wq = geo.RowPitch, positions = rows * wq, inRows = rows + geo.RowReach;
        int packed = 0, stored = 0;
        for (int end = 0; end < positions;)
        {
            end = Math.Min(positions, end + geo.StepPositions);
            // A tile ending at position p reads up to p - 1 + the column reach, in rows up to the row reach below.
            int last = 0;
            foreach (TileBlock block in blocks) last = Math.Max(last, (end + block.TileWidth - 1) / block.TileWidth * block.TileWidth);
            last += geo.ColReach - 1;
            int needed = Math.Min(inRows, last / wq + geo.RowReach + 1);
            if (needed > packed) { PackRows(in call, n, g, oh0, packed, needed, x); packed = needed; }
            int complete = end;
            for (int b = 0; b < blocks.Length; b++)
            {
                TileBlock block = blocks[b];
                int target = (end + block.TileWidth - 1) / block.TileWidth;
                if (target > done[b])
                {
                    nint first = (nint)done[b] * block.TileWidth;
                    var args = new TileArgs
                    {
                        RowPitch = wq, PhasePitch = geo.PhasePitch, ChannelPitch = geo.ChannelPitch,
                        OutputPitch = geo.OutputPitch, Tiles = target - done[b],
                        Block = block, InputChannels = spec.CinPerGroup, TapOffsets = taps,
                    };
                    args.Input = ref x[first];
                    args.Weights = ref call.Weights[call.Plan.WeightOffset(g, b)];
                    args.Output = ref y[(nint)block.FirstChannel * geo.OutputPitch + first];
                    TTiles.Run(b, ref args);
                    done[b] = target;
                }
                complete = Math.Min(complete, done[b] * block.TileWidth);
            }
            int completeRows = Math.Min(rows, complete / wq);
            if (completeRows > stored)
            {
                for (int b = 0; b < blocks.Length; b++) StoreRows(in call, n, g, blocks[b], oh0, stored, completeRows, y);
                stored = completeRows;
            }
        }
    }

    /// <summary>
    /// Copies phase-plane rows [from, to) of group g's band (output rows from oh0) into the phase-split padded layout.
    /// </summary>
    private static void PackRows(in Call call, int n, int g, int oh0, int from, int to, float* x)
    {
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int s = geo.Stride, p = geo.Padding, wq = geo.RowPitch;
        for (int ci = 0; ci < spec.CinPerGroup; ci++)
        {
            float* channel = call.Input + (long)(n * spec.Cin + g * spec.CinPerGroup + ci) * geo.Height * geo.Width;
            for (int rp = 0; rp < s; rp++)
            for (int cp = 0; cp < s; cp++)
            {
                float* plane = x + (long)ci * geo.ChannelPitch + (long)(rp * s + cp) * geo.PhasePitch;
                // Phase columns c' hold padded column c'·s + cp, i.e. input column c'·s + cp - p.
                int first = Math.Max(0, (p - cp + s - 1) / s);
                int last = geo.Width - 1 + p - cp >= 0 ? Math.Min(wq - 1, (geo.Width - 1 + p - cp) / s) : -1;
                for (int lr = from; lr < to; lr++)
                {
                    float* dst = plane + (long)lr * wq;
                    int iy = (oh0 + lr) * s + rp - p;
                    if (iy < 0 || iy >= geo.Height || last < first)
                    {
                        Fill(dst, 0, wq);
                        continue;
                    }
                    Fill(dst, 0, first);
                    Fill(dst, last + 1, wq);
                    CopyStrided(channel + (long)iy * geo.Width + (first * s + cp - p), dst + first, last - first + 1, s);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill(float* dst, int from, int to)
    {
        for (int i = from; i < to; i++) dst[i] = 0;
    }

    /// <summary>dst[i] = src[i·stride] for i &lt; count; reads nothing past src[(count - 1)·stride].</summary>
    private static void CopyStrided(float* src, float* dst, int count, int stride)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && stride == 1 && count >= 8)
        {
            for (; i + 8 < count; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
            // The last vector ends exactly at count, overlapping what is already copied.
            Vector256.Store(Vector256.Load(src + count - 8), dst + count - 8);
            return;
        }
        if (Avx2.IsSupported && stride == 2)
        {
            // Two loads of 8 give 8 even-indexed floats: lanes 0 and 2 of each 128-bit half, then the halves in order.
            for (; i + 9 <= count; i += 8)
            {
                Vector256<float> a = Avx.LoadVector256(src + 2 * i), b = Avx.LoadVector256(src + 2 * i + 8);
                Vector256<float> even = Avx.Shuffle(a, b, 0b10_00_10_00);
                Avx.Store(dst + i, Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle());
            }
        }
        for (; i < count; i++) dst[i] = src[(long)i * stride];
    }

    /// <summary>Stores rows [from, to) of one block's scratch to the output with bias, residual, activation and shuffle.</summary>
    private static void StoreRows(in Call call, int n, int g, TileBlock block, int oh0, int from, int to, float* y)
    {
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int ow = geo.OutWidth;
        for (int c = 0; c < block.Channels; c++)
        {
            int i = block.FirstChannel + c, oc = g * spec.CoutPerGroup + i;
            int position = spec.ShuffleOutput ? i * spec.Groups + g : oc;
            float bias = call.Bias != null ? call.Bias[oc] : 0f;
            long at = ((long)(n * spec.Cout + position) * geo.OutHeight + oh0 + from) * ow;
            float* src = y + (long)i * geo.OutputPitch + (long)from * geo.RowPitch;
            for (int r = from; r < to; r++, at += ow, src += geo.RowPitch)
            {
                if (call.Residual != null) StoreRow(src, call.Output + at, call.Residual + at, ow, bias, spec.Activation);
                else StoreRow(src, call.Output + at, null, ow, bias, spec.Activation);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* src, float* dst, float* residual, int count, float bias, ConvActivation activation)
    {
        int x = 0;
        if (Vector256.IsHardwareAccelerated && count >= 8)
        {
            Vector256<float> b = Vector256.Create(bias);
            for (; x + 8 < count; x += 8) Vector256.Store(Activate(Vector256.Load(src + x) + b, residual, x, activation), dst + x);
            // Without a residual (which may be the output itself) the last vector may overlap what is already stored:
            // it stores the same values again.
            if (residual == null) x = count - 8;
            if (x + 8 == count) { Vector256.Store(Activate(Vector256.Load(src + x) + b, residual, x, activation), dst + x); return; }
        }
        for (; x < count; x++)
        {
            float v = src[x] + bias;
            if (residual != null) v += residual[x];
            if (activation != ConvActivation.None) v = MathF.Max(v, 0);
            if (activation == ConvActivation.Relu6) v = MathF.Min(v, 6);
            dst[x] = v;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Activate(Vector256<float> v, float* residual, int x, ConvActivation activation)
    {
        if (residual != null) v += Vector256.Load(residual + x);
        if (activation != ConvActivation.None) v = Vector256.Max(v, Vector256<float>.Zero);
        if (activation == ConvActivation.Relu6) v = Vector256.Min(v, Vector256.Create(6f));
        return v;
    }

    /// <summary>Per-thread pinned scratch for the packed input band and the tile outputs.</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]? s_input;
        [ThreadStatic] private static float[]? s_output;

        public static void Get(int inputLength, int outputLength, out float* input, out float* output)
        {
            if (s_input == null || s_input.Length < inputLength) s_input = GC.AllocateArray<float>(inputLength, pinned: true);
            if (s_output == null || s_output.Length < outputLength) s_output = GC.AllocateArray<float>(outputLength, pinned: true);
            input = (float*)Unsafe.AsPointer(ref s_input[0]);
            output = (float*)Unsafe.AsPointer(ref s_output[0]);
        }
    }
}
