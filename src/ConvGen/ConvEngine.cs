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

    /// <summary>
    /// Whether the JIT encodes vectors with EVEX (AVX-512) and so has 32 vector registers rather than 16: kernels
    /// pick tiles whose accumulators fit the register file.
    /// </summary>
    public static bool HasWideRegisterFile { get; } = Avx512F.VL.IsSupported;

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

    /// <summary>
    /// Checks arguments, then runs the layer with the tile kernels <typeparamref name="TTiles"/> on up to
    /// <paramref name="maxDegreeOfParallelism"/> threads (1: the calling thread only; -1: all cores). Every output
    /// element is computed by one thread in one fixed order, so results are bit-identical for any degree.
    /// </summary>
    public static void Forward<TTiles>(TilePlan plan, float[] packedWeights, float[]? bias, ReadOnlySpan<float> input,
        ReadOnlySpan<float> residual, bool hasResidual, Span<float> output, int height, int width, int batch,
        int maxDegreeOfParallelism = 1)
        where TTiles : ITileKernels
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(packedWeights);
        // The tiles read the weights and bias through pointers: their lengths are checked like the spans'.
        if (packedWeights.Length != plan.Spec.Groups * plan.GroupWeightLength)
            throw new ArgumentException(
                $"packedWeights must hold Groups·GroupWeightLength = {plan.Spec.Groups * plan.GroupWeightLength} floats (the plan's packing), but holds {packedWeights.Length}.",
                nameof(packedWeights));
        if ((bias?.Length ?? 0) != plan.Spec.BiasLength)
            throw new ArgumentException(
                $"bias must hold {plan.Spec.BiasLength} floats (Bias = {plan.Spec.Bias}), but holds {bias?.Length ?? 0}.", nameof(bias));
        CheckArguments(plan.Spec, input, residual, hasResidual, output, height, width, batch);
        CheckDegreeOfParallelism(maxDegreeOfParallelism);
        if (batch == 0) return;
        if (IsAccelerated) Run<TTiles>(plan, packedWeights, bias, input, residual, hasResidual, output, height, width, batch, maxDegreeOfParallelism);
        else Run<ScalarTiles>(plan, packedWeights, bias, input, residual, hasResidual, output, height, width, batch, maxDegreeOfParallelism);
    }

    /// <summary>Throws unless the value means what ParallelOptions.MaxDegreeOfParallelism means: -1 or 1 and more.</summary>
    public static void CheckDegreeOfParallelism(int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism == 0 || maxDegreeOfParallelism < -1)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism,
                "MaxDegreeOfParallelism must be -1 (all cores) or 1 or more.");
    }

    /// <summary>Below this many FLOPs a call runs on one thread: waking helpers costs more than they save.</summary>
    internal const double ParallelMinFlops = 4e6;

    private static void Run<TTiles>(TilePlan plan, float[] packedWeights, float[]? bias, ReadOnlySpan<float> input,
        ReadOnlySpan<float> residual, bool hasResidual, Span<float> output, int height, int width, int batch,
        int maxDegreeOfParallelism)
        where TTiles : ITileKernels
    {
        int threads = maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : Math.Min(maxDegreeOfParallelism, Environment.ProcessorCount);
        if (plan.Spec.Flops(height, width, batch) < ParallelMinFlops) threads = 1;
        // With several threads, cut rows into enough bands that every thread gets work (4 items each).
        var geometry = new Geometry(plan, height, width, threads == 1 ? 1 : 4 * threads / Math.Max(1, batch * plan.Spec.Groups));
        fixed (float* x = input, r = residual, y = output, w = packedWeights, b = bias)
        {
            var call = new Call(plan, geometry, x, hasResidual ? r : null, y, w, b, batch);
            if (threads > 1 && call.Items > 1)
            {
                ParallelRun.Run(in call, &RunItem<TTiles>, Math.Min(threads, call.Items));
                return;
            }
            Span<nint> taps = plan.Spec.Taps <= 64 ? stackalloc nint[plan.Spec.Taps] : new nint[plan.Spec.Taps];
            geometry.FillTapOffsets(taps);
            int items = call.Items;
            for (int item = 0; item < items; item++) RunItem<TTiles>(in call, item, taps);
        }
    }

    /// <summary>
    /// Runs a call's items on the calling thread and up to <c>threads - 1</c> thread-pool helpers, without
    /// allocating (one instance per calling thread, reused) and without depending on the helpers: items are claimed
    /// one at a time, the caller claims too, and helpers that have not started when the items run out are revoked,
    /// so a starved thread pool only makes the call single-threaded, never stuck.
    /// </summary>
    private sealed class ParallelRun : System.Threading.IThreadPoolWorkItem
    {
        [ThreadStatic] private static ParallelRun? t_run;
        private const int RunningUnit = 1 << 16;

        private Call _call;
        private delegate*<in Call, int, ReadOnlySpan<nint>, void> _body;
        private nint[] _taps = [];
        private int _next;
        private int _state; // low 16 bits: helper tickets left; high bits: helpers running
        private readonly System.Threading.ManualResetEventSlim _idle = new(false);

        public static void Run(in Call call, delegate*<in Call, int, ReadOnlySpan<nint>, void> body, int threads)
        {
            ParallelRun run = t_run ??= new ParallelRun();
            run._call = call;
            run._body = body;
            if (run._taps.Length != call.Plan.Spec.Taps) run._taps = new nint[call.Plan.Spec.Taps];
            call.Geometry.FillTapOffsets(run._taps);
            run._next = 0;
            run._idle.Reset();
            int helpers = Math.Min(threads - 1, RunningUnit - 1);
            System.Threading.Interlocked.Exchange(ref run._state, helpers); // publishes everything above
            for (int i = 0; i < helpers; i++) System.Threading.ThreadPool.UnsafeQueueUserWorkItem(run, preferLocal: false);
            run.Work();
            // Revoke the tickets of helpers that have not started, then wait for those that did.
            int state = run._state, seen;
            while ((seen = System.Threading.Interlocked.CompareExchange(ref run._state, state & ~(RunningUnit - 1), state)) != state) state = seen;
            if ((state & ~(RunningUnit - 1)) != 0) run._idle.Wait();
            run._call = default;
        }

        public void Execute()
        {
            // Take a ticket, if any is left (a helper queued for an earlier call finds none, or helps this one).
            int state = _state, seen;
            while (true)
            {
                if ((state & (RunningUnit - 1)) == 0) return;
                seen = System.Threading.Interlocked.CompareExchange(ref _state, state - 1 + RunningUnit, state);
                if (seen == state) break;
                state = seen;
            }
            Work();
            int after = System.Threading.Interlocked.Add(ref _state, -RunningUnit);
            if (after == 0) _idle.Set();
        }

        private void Work()
        {
            int items = _call.Items, item;
            while ((item = System.Threading.Interlocked.Increment(ref _next) - 1) < items) _body(in _call, item, _taps);
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

        public Geometry(TilePlan plan, int height, int width, int minBands)
        {
            ConvSpec s = plan.Spec;
            Height = height; Width = width;
            OutHeight = s.OutputHeight(height); OutWidth = s.OutputWidth(width);
            Stride = s.Stride; Padding = s.Padding; Phases = s.Stride * s.Stride;
            _k = s.K; _dilation = s.Dilation;
            // A huge padding, dilation or stride can make the layout larger than any array even for a tiny output:
            // size it in double first (its products can overflow a long), and refuse it rather than overflow an int.
            double reach = Math.Floor((double)(s.K - 1) * s.Dilation / s.Stride);
            double rowPitch = Math.Ceiling(((double)width + 2.0 * s.Padding) / s.Stride);
            double perRow = ((double)s.CinPerGroup * s.Stride * s.Stride + s.CoutPerGroup) * rowPitch;
            double bandRows = Math.Clamp(Math.Floor(BandBudgetFloats / perRow) - reach, 1, OutHeight);
            double blockRows = 0;
            foreach (TileBlock block in plan.Blocks) blockRows = Math.Max(blockRows, block.FirstChannel + block.PackedChannels);
            double layout = (double)s.CinPerGroup * s.Stride * s.Stride * rowPitch * (bandRows + reach) + reach + plan.MaxTileWidth + 8;
            double scratch = blockRows * (bandRows * rowPitch + plan.MaxTileWidth);
            if (Math.Max(layout, scratch) > Array.MaxLength)
                throw new ArgumentOutOfRangeException(nameof(width), width,
                    $"The padded, phase-split input band this layer needs ({Math.Max(layout, scratch):G4} floats, from " +
                    $"Padding = {s.Padding}, Dilation = {s.Dilation}, Stride = {s.Stride}) exceeds the largest array ({Array.MaxLength}).");
            RowReach = ColReach = ConvRules.Reach(s.K, s.Stride, s.Dilation);
            RowPitch = (int)(((long)width + 2L * s.Padding + s.Stride - 1) / s.Stride);
            BandRows = (int)bandRows;
            if (minBands > 1) BandRows = Math.Max(1, Math.Min(BandRows, OutHeight / minBands));
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
            if (needed > packed)
            {
                PackRows(in call, n, g, oh0, packed, needed, x);
                PrefetchInput(in call, n, g, oh0 + needed, geo.StepPositions / wq + 1);
                packed = needed;
            }
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
                PrefetchOutput(in call, n, g, oh0 + completeRows, Math.Min(rows - completeRows, geo.StepPositions / wq + 1));
                stored = completeRows;
            }
        }
    }

    /// <summary>
    /// Asks for the input rows that phase-plane rows [from, from + count) of group g will copy, so that the copy of
    /// the next step finds them in cache while this step's tiles run.
    /// </summary>
    private static void PrefetchInput(in Call call, int n, int g, int from, int count)
    {
        if (!Sse.IsSupported) return;
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int first = Math.Max(0, from * geo.Stride - geo.Padding);
        int last = Math.Min(geo.Height, (from + count) * geo.Stride - geo.Padding);
        if (last <= first) return;
        for (int ci = 0; ci < spec.CinPerGroup; ci++)
            PrefetchLines(call.Input + ((long)(n * spec.Cin + g * spec.CinPerGroup + ci) * geo.Height + first) * geo.Width,
                (long)(last - first) * geo.Width);
    }

    /// <summary>Asks for the output rows [from, from + count) of group g's channels that the next step stores.</summary>
    private static void PrefetchOutput(in Call call, int n, int g, int from, int count)
    {
        if (!Sse.IsSupported || count <= 0) return;
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        for (int i = 0; i < spec.CoutPerGroup; i++)
        {
            int position = spec.ShuffleOutput ? i * spec.Groups + g : g * spec.CoutPerGroup + i;
            PrefetchLines(call.Output + ((long)(n * spec.Cout + position) * geo.OutHeight + from) * geo.OutWidth,
                (long)count * geo.OutWidth);
        }
    }

    private static void PrefetchLines(float* start, long count)
    {
        for (long i = 0; i < count; i += 16) Sse.Prefetch0(start + i);
        Sse.Prefetch0(start + count - 1);
    }

    /// <summary>
    /// Copies phase-plane rows [from, to) of group g's band (output rows from oh0) into the phase-split padded layout.
    /// </summary>
    private static void PackRows(in Call call, int n, int g, int oh0, int from, int to, float* x)
    {
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int s = geo.Stride, p = geo.Padding, wq = geo.RowPitch;
        if (s == 2 && Avx2.IsSupported)
        {
            PackRowsStride2(in call, n, g, oh0, from, to, x);
            return;
        }
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
                    long iy = (long)(oh0 + lr) * s + rp - p;
                    if (iy < 0 || iy >= geo.Height || last < first)
                    {
                        Fill(dst, 0, wq);
                        continue;
                    }
                    Fill(dst, 0, first);
                    Fill(dst, last + 1, wq);
                    CopyStrided(channel + iy * geo.Width + ((long)first * s + cp - p), dst + first, last - first + 1, s);
                }
            }
        }
    }

    /// <summary>
    /// Stride 2: each input row is read once and split into its even and odd columns, which go to the two column
    /// phases (input column ix is padded column ix + p: phase (ix + p) mod 2, column (ix + p) div 2).
    /// </summary>
    private static void PackRowsStride2(in Call call, int n, int g, int oh0, int from, int to, float* x)
    {
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int p = geo.Padding, wq = geo.RowPitch, width = geo.Width;
        int evenPhase = p & 1, evenAt = p >> 1, evenCount = (width + 1) >> 1;
        int oddPhase = evenPhase ^ 1, oddAt = (p + 1) >> 1, oddCount = width >> 1;
        for (int ci = 0; ci < spec.CinPerGroup; ci++)
        {
            float* channel = call.Input + (long)(n * spec.Cin + g * spec.CinPerGroup + ci) * geo.Height * width;
            for (int rp = 0; rp < 2; rp++)
            {
                float* planes = x + (long)ci * geo.ChannelPitch + (long)rp * 2 * geo.PhasePitch;
                for (int lr = from; lr < to; lr++)
                {
                    float* even = planes + (long)evenPhase * geo.PhasePitch + (long)lr * wq;
                    float* odd = planes + (long)oddPhase * geo.PhasePitch + (long)lr * wq;
                    long iy = (long)(oh0 + lr) * 2 + rp - p;
                    if (iy < 0 || iy >= geo.Height)
                    {
                        Fill(even, 0, wq);
                        Fill(odd, 0, wq);
                        continue;
                    }
                    Fill(even, 0, evenAt);
                    Fill(even, evenAt + evenCount, wq);
                    Fill(odd, 0, oddAt);
                    Fill(odd, oddAt + oddCount, wq);
                    Deinterleave(channel + iy * width, width, even + evenAt, odd + oddAt);
                }
            }
        }
    }

    /// <summary>even[k] = src[2k], odd[k] = src[2k + 1], for the count floats of src.</summary>
    private static void Deinterleave(float* src, int count, float* even, float* odd)
    {
        int k = 0;
        for (; 2 * k + 16 <= count; k += 8)
        {
            Vector256<float> a = Avx.LoadVector256(src + 2 * k), b = Avx.LoadVector256(src + 2 * k + 8);
            // Per 128-bit half: lanes 0 and 2 (or 1 and 3) of a, then of b; then the 64-bit quarters in order.
            Avx.Store(even + k, Avx2.Permute4x64(Avx.Shuffle(a, b, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle());
            Avx.Store(odd + k, Avx2.Permute4x64(Avx.Shuffle(a, b, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle());
        }
        for (; 2 * k < count; k++)
        {
            even[k] = src[2 * k];
            if (2 * k + 1 < count) odd[k] = src[2 * k + 1];
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
