using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ConvGen;

/// <summary>
/// Runs a grouped convolution with a set of tile kernels: for each batch item, group and band of output rows it
/// copies the group's input into the phase-split padded layout (so that every tap is a constant offset and the
/// tiles need no edge branches), and runs each output-channel block's tiles, which store to the output
/// with bias, residual, activation and channel shuffle. Generated and generic kernels share it; only their tiles differ.
/// </summary>
public static unsafe class ConvEngine
{
    /// <summary>Floats of packed input a band aims at (keeps a band's input in L2).</summary>
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
        public readonly int RowPitch, BandRows, Bands, PhasePitch, ChannelPitch, InputScratch, StepRows;
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
            double perRow = (double)s.CinPerGroup * s.Stride * s.Stride * rowPitch;
            double bandRows = Math.Clamp(Math.Floor(BandBudgetFloats / perRow) - reach, 1, OutHeight);
            double layout = (double)s.CinPerGroup * s.Stride * s.Stride * rowPitch * (bandRows + reach) + reach + plan.MaxTileWidth + 8;
            if (layout > Array.MaxLength)
                throw new ArgumentOutOfRangeException(nameof(width), width,
                    $"The padded, phase-split input band this layer needs ({layout:G4} floats, from " +
                    $"Padding = {s.Padding}, Dilation = {s.Dilation}, Stride = {s.Stride}) exceeds the largest array ({Array.MaxLength}).");
            RowReach = ColReach = ConvRules.Reach(s.K, s.Stride, s.Dilation);
            RowPitch = (int)(((long)width + 2L * s.Padding + s.Stride - 1) / s.Stride);
            BandRows = (int)bandRows;
            if (minBands > 1) BandRows = Math.Max(1, Math.Min(BandRows, OutHeight / minBands));
            Bands = (OutHeight + BandRows - 1) / BandRows;
            PhasePitch = (BandRows + RowReach) * RowPitch;
            ChannelPitch = Phases * PhasePitch;
            // Tiles past a segment's end read at most one tile and the column reach beyond the last channel.
            InputScratch = s.CinPerGroup * ChannelPitch + ColReach + plan.MaxTileWidth + 8;
            // A step: two output rows, or more when rows are short.
            // A step: about 2,048 input floats per output row's worth of work, at least two rows.
            StepRows = (int)Math.Max(2, Math.Min(OutHeight, 2048L / Math.Max(1L, (long)OutWidth * s.CinPerGroup)));
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
    /// Computes one (batch item, group, band of output rows) in steps of a few rows: pack the input rows the step's
    /// tiles read, then run every block's tiles over the step's output rows, which store straight to the output
    /// with bias, residual and activation. The next step's input and output lines are prefetched meanwhile.
    /// </summary>
    private static void RunItem<TTiles>(in Call call, int item, ReadOnlySpan<nint> taps) where TTiles : ITileKernels
    {
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int band = item % geo.Bands, g = item / geo.Bands % spec.Groups, n = item / geo.Bands / spec.Groups;
        int oh0 = band * geo.BandRows, rows = Math.Min(geo.BandRows, geo.OutHeight - oh0);
        float* x = Scratch.Get(0, geo.InputScratch);
        ReadOnlySpan<TileBlock> blocks = call.Plan.Blocks;
        int wq = geo.RowPitch, ow = geo.OutWidth, inRows = rows + geo.RowReach;
        if (wq != ow && ow < NarrowWidth && spec.CinPerGroup * spec.Taps >= NarrowMinTerms)
        {
            RunItemNarrow<TTiles>(in call, n, g, oh0, rows, x, taps);
            return;
        }
        // Rows without padding between them (1x1 convolutions) are one segment; otherwise each row is one.
        bool contiguous = wq == ow;
        long plane = (long)geo.OutHeight * ow, channelPitch = spec.ShuffleOutput ? spec.Groups * plane : plane;
        var args = new TileArgs
        {
            RowPitch = wq, PhasePitch = geo.PhasePitch, ChannelPitch = geo.ChannelPitch, OutputPitch = (nint)channelPitch,
            OutputRowPitch = ow,
            InputChannels = spec.CinPerGroup, TapOffsets = taps, HasResidual = call.Residual != null,
            HasBias = call.Bias != null, Activation = spec.Activation,
        };
        int packed = 0;
        for (int r0 = 0; r0 < rows;)
        {
            int r1 = Math.Min(rows, r0 + geo.StepRows);
            int needed = Math.Min(inRows, r1 + geo.RowReach);
            if (needed > packed)
            {
                PackRows(in call, n, g, oh0, packed, needed, x);
                packed = needed;
            }
            PrefetchInput(in call, n, g, oh0 + packed, geo.StepRows + 1);
            PrefetchOutput(in call, n, g, oh0 + r1, Math.Min(rows - r1, geo.StepRows));
            // One call per block covers the step: all its rows as one segment, or row by row inside the tile.
            {
                int r = r0;
                args.Count = contiguous ? (nint)(r1 - r0) * ow : ow;
                args.Rows = contiguous ? 1 : r1 - r0;
                for (int b = 0; b < blocks.Length; b++)
                {
                    TileBlock block = blocks[b];
                    int first = block.FirstChannel;
                    long position = spec.ShuffleOutput ? (long)first * spec.Groups + g : (long)g * spec.CoutPerGroup + first;
                    long at = ((long)n * spec.Cout + position) * plane + (long)(oh0 + r) * ow;
                    args.Block = block;
                    args.Input = ref x[(nint)r * wq];
                    args.Weights = ref call.Weights[call.Plan.WeightOffset(g, b)];
                    args.Output = ref call.Output[at];
                    args.Residual = ref call.Residual != null ? ref call.Residual[at] : ref args.Output;
                    args.Bias = ref call.Bias != null ? ref call.Bias[g * spec.CoutPerGroup + first] : ref args.Output;
                    TTiles.Run(b, ref args);
                }
            }
            r0 = r1;
        }
    }

    /// <summary>Outputs narrower than this (two vectors) may run as one band-wide segment; see <see cref="RunItemNarrow"/>.</summary>
    private const int NarrowWidth = 16;
    /// <summary>...when each output sums at least this many products, so that the copy out is cheap beside them.</summary>
    private const int NarrowMinTerms = 32;

    /// <summary>
    /// Narrow outputs (e.g. 7x7) with many products per output: row by row they would run tiles one vector wide,
    /// whose weight broadcasts outnumber their FMAs. Instead the whole band runs as one segment over the padded row
    /// pitch (the few positions past each row are computed and dropped) into a scratch laid out like the packed
    /// input, with the residual copied in first; then the valid columns are copied to the output.
    /// </summary>
    private static void RunItemNarrow<TTiles>(in Call call, int n, int g, int oh0, int rows, float* x, ReadOnlySpan<nint> taps)
        where TTiles : ITileKernels
    {
        ref readonly Geometry geo = ref call.Geometry;
        ConvSpec spec = call.Plan.Spec;
        int wq = geo.RowPitch, ow = geo.OutWidth, coutG = spec.CoutPerGroup;
        PackRows(in call, n, g, oh0, 0, rows + geo.RowReach, x);
        // Each channel's scratch holds the band's rows at the packed row pitch, plus the widest tile past the end.
        int pitch = rows * wq + call.Plan.MaxTileWidth;
        float* y = Scratch.Get(1, coutG * pitch);
        float* res = call.Residual != null ? Scratch.Get(2, coutG * pitch) : null;
        long plane = (long)geo.OutHeight * ow;
        for (int i = 0; i < coutG; i++)
        {
            long position = spec.ShuffleOutput ? (long)i * spec.Groups + g : (long)g * coutG + i;
            long at = ((long)n * spec.Cout + position) * plane + (long)oh0 * ow;
            if (res != null)
                for (int r = 0; r < rows; r++)
                    new ReadOnlySpan<float>(call.Residual + at + (long)r * ow, ow).CopyTo(new Span<float>(res + (long)i * pitch + (long)r * wq, ow));
        }
        var args = new TileArgs
        {
            RowPitch = wq, PhasePitch = geo.PhasePitch, ChannelPitch = geo.ChannelPitch, OutputPitch = pitch,
            OutputRowPitch = wq, Count = (nint)(rows - 1) * wq + ow, Rows = 1,
            InputChannels = spec.CinPerGroup, TapOffsets = taps, HasResidual = res != null,
            HasBias = call.Bias != null, Activation = spec.Activation,
        };
        ReadOnlySpan<TileBlock> blocks = call.Plan.Blocks;
        for (int b = 0; b < blocks.Length; b++)
        {
            TileBlock block = blocks[b];
            args.Block = block;
            args.Input = ref *x;
            args.Weights = ref call.Weights[call.Plan.WeightOffset(g, b)];
            args.Output = ref y[(nint)block.FirstChannel * pitch];
            args.Residual = ref res != null ? ref res[(nint)block.FirstChannel * pitch] : ref args.Output;
            args.Bias = ref call.Bias != null ? ref call.Bias[g * coutG + block.FirstChannel] : ref args.Output;
            TTiles.Run(b, ref args);
        }
        for (int i = 0; i < coutG; i++)
        {
            long position = spec.ShuffleOutput ? (long)i * spec.Groups + g : (long)g * coutG + i;
            long at = ((long)n * spec.Cout + position) * plane + (long)oh0 * ow;
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<float>(y + (long)i * pitch + (long)r * wq, ow).CopyTo(new Span<float>(call.Output + at + (long)r * ow, ow));
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

    /// <summary>Per-thread pinned scratch: slot 0 the packed input band, slots 1 and 2 a narrow band's output and residual.</summary>
    private static class Scratch
    {
        [ThreadStatic] private static float[]?[]? s_slots;

        public static float* Get(int slot, int length)
        {
            float[]?[] slots = s_slots ??= new float[]?[3];
            float[]? buffer = slots[slot];
            if (buffer == null || buffer.Length < length) slots[slot] = buffer = GC.AllocateArray<float>(Math.Max(length, 1), pinned: true);
            return (float*)Unsafe.AsPointer(ref buffer[0]);
        }
    }
}
