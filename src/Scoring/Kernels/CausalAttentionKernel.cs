using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Kernels;

/// <summary>
/// Causal (optionally sliding-window) attention over packed segments for fp32 scoring on an AVX2/FMA CPU.
/// Written here because libtorch's CPU flash kernel splits keys in blocks of 512: a segment of up to 512 tokens
/// (most SFT samples) gets no causal skipping and pays for the whole square, and 0.107 has no varlen call. This
/// kernel computes only the causal triangle, reads grouped key/value heads in place (no repeat) and takes the scale
/// as given. Per (segment, query head): K is packed into panels of 16 keys (8×8 blocks transposed in registers) and
/// V into panels of 16 columns; then for each tile of 6 query rows the scores over the keys it may see come from a
/// 6×16 register-blocked micro-kernel, a two-pass softmax with an exact max, and P·V from a 6×16 micro-kernel.
/// Masked keys get a weight of exactly 0. Items run in parallel on the intra-op thread count; each is computed by
/// one thread, so results do not depend on the thread count. Inference only: <see cref="Applies"/> sends anything
/// that needs gradients, another dtype or device, or a head size that is not a multiple of 16 to
/// scaled_dot_product_attention. <c>TOKENCLEAN_ATTENTION=sdpa</c> turns the kernel off (for comparisons).
/// </summary>
internal static unsafe class CausalAttentionKernel
{
    private const int Rows = 6;  // query rows per tile
    private const int Keys = 16; // keys (QK) or value columns (PV) per tile: two Vector256

    private static readonly bool Disabled =
        string.Equals(Environment.GetEnvironmentVariable("TOKENCLEAN_ATTENTION"), "sdpa", StringComparison.OrdinalIgnoreCase);

    /// <summary>What scoring on this CPU uses for attention (fp32; bf16 where it is widened), and why (for <c>tokenclean info</c>).</summary>
    public static string Describe() =>
        Disabled ? "libtorch scaled_dot_product_attention (TOKENCLEAN_ATTENTION=sdpa)"
        : !CpuKernels.Supported ? "libtorch scaled_dot_product_attention (this CPU has no AVX2/FMA)"
        : !CpuKernels.Enabled ? "libtorch scaled_dot_product_attention (TOKENCLEAN_CPU_KERNELS=off)"
        : Bf16Products.Enabled
            ? "tokenclean causal kernel (AVX2, FMA); bf16 widened to fp32 for it (no bf16 units here); training, other dtypes and devices: scaled_dot_product_attention"
            : "tokenclean causal kernel (AVX2, FMA); training, other dtypes and devices: scaled_dot_product_attention";

    /// <summary>Whether the kernel computes this call: fp32 on the CPU, no gradients, head size a multiple of 16.</summary>
    public static bool Applies(Tensor q, Tensor k, Tensor v) =>
        !Disabled && CpuKernels.Take(q) && CpuKernels.Take(k) && CpuKernels.Take(v)
        && q.shape[2] % Keys == 0
        && q.stride(2) == 1 && k.stride(2) == 1 && v.stride(2) == 1;

    /// <summary>
    /// Whether bf16 q, k, v on a CPU without bf16 units (<see cref="Bf16Products"/>) go to this kernel widened to fp32,
    /// the output rounded to bf16 once (<see cref="AttendWidened"/>): inference, a head size that is a multiple of 16.
    /// </summary>
    public static bool AppliesWidened(Tensor q, Tensor k, Tensor v) =>
        !Disabled && CpuKernels.Enabled && q.shape[2] % Keys == 0
        && Bf16Products.Applies(q) && Bf16Products.Applies(k) && Bf16Products.Applies(v)
        && CpuKernels.NoGradientRecorded(q) && CpuKernels.NoGradientRecorded(k) && CpuKernels.NoGradientRecorded(v);

    /// <summary>
    /// <see cref="Attend(Tensor, Tensor, Tensor, long[], double, long)"/> for bf16 q, k, v: widened to fp32 (exact),
    /// the output rounded to bf16 once. On the bench VM 65 ms against 124 ms for scaled_dot_product_attention in bf16
    /// (4,288 packed rows, 8 heads of 64).
    /// </summary>
    public static Tensor AttendWidened(Tensor q, Tensor k, Tensor v, long[] cu, double scale, long window)
    {
        using var scope = NewDisposeScope();
        var wide = Attend(q.to(ScalarType.Float32), k.to(ScalarType.Float32), v.to(ScalarType.Float32), cu, scale, window);
        return wide.to(ScalarType.BFloat16).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// q [rows, Hq, D], k/v [rows, Hkv, D] (rows strided, the last dimension dense); segment s is rows
    /// [cu[s], cu[s+1]). Row i of a segment sees its keys j with j ≤ i (and i − j &lt; window when window &gt; 0).
    /// Returns [rows, Hq·D].
    /// </summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, long[] cu, double scale, long window) =>
        Attend(q, k, v, cu, scale, window, CpuKernels.Threads);

    internal static Tensor Attend(Tensor q, Tensor k, Tensor v, long[] cu, double scale, long window, int threads)
    {
        long rows = q.shape[0];
        int hq = (int)q.shape[1], hkv = (int)k.shape[1], d = (int)q.shape[2];
        if (hkv <= 0 || hq % hkv != 0)
        {
            throw new TorchException($"query heads ({hq}) must be a multiple of key/value heads ({hkv})");
        }

        if (cu.Length == 0 || cu[0] != 0 || cu[^1] != rows)
        {
            throw new ArgumentException($"segment offsets must run from 0 to the row count {rows}", nameof(cu));
        }

        var o = empty(rows, (long)hq * d, ScalarType.Float32);
        var job = new Job(View.Of(q), View.Of(k), View.Of(v), TensorMemory.Floats(o), cu, hq, hkv, d, (float)scale, window);
        job.Run(threads);
        GC.KeepAlive(q);
        GC.KeepAlive(k);
        GC.KeepAlive(v);
        return o;
    }

    private readonly record struct View(IntPtr Data, long RowStride, long HeadStride)
    {
        public static View Of(Tensor t) => new((IntPtr)TensorMemory.Floats(t), t.stride(0), t.stride(1));
    }

    private sealed class Job(View q, View k, View v, float* o, long[] cu, int hq, int hkv, int d, float scale, long window)
    {
        private readonly View _q = q, _k = k, _v = v;
        private readonly float* _o = o;
        private readonly long[] _cu = cu;
        private readonly int _hq = hq, _hkv = hkv, _d = d;
        private readonly float _scale = scale;
        private readonly long _window = window;

        public void Run(int threads)
        {
            int segments = _cu.Length - 1;
            long maxLen = 0;
            var items = new (int Segment, int Head)[segments * _hq];
            for (int s = 0, w = 0; s < segments; s++)
            {
                maxLen = Math.Max(maxLen, _cu[s + 1] - _cu[s]);
                for (var h = 0; h < _hq; h++)
                {
                    items[w++] = (s, h);
                }
            }

            // Longest segments first, so the items that start last are the short ones.
            Array.Sort(items, (a, b) => Length(b.Segment).CompareTo(Length(a.Segment)));
            var padded = Pad(maxLen);
            var floats = 2 * padded * _d + Rows * padded;
            var participants = Math.Max(1, Math.Min(threads, items.Length));
            var buffers = new IntPtr[participants];
            try
            {
                for (var b = 0; b < participants; b++)
                {
                    buffers[b] = (IntPtr)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
                }

                KernelThreads.For(items.Length, participants, (w, participant) =>
                    Item(items[w].Segment, items[w].Head, (float*)buffers[participant]));
            }
            finally
            {
                foreach (var buffer in buffers)
                {
                    NativeMemory.AlignedFree((void*)buffer);
                }
            }
        }

        private long Length(int segment) => _cu[segment + 1] - _cu[segment];

        private static int Pad(long n) => (int)((n + Keys - 1) / Keys * Keys);

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Item(int segment, int h, float* buffer)
        {
            var start = _cu[segment];
            var n = (int)Length(segment);
            var np = Pad(n);
            var kh = h / (_hq / _hkv);
            float* kt = buffer, vp = kt + (long)np * _d, sc = vp + (long)np * _d;
            PackKeys((float*)_k.Data + start * _k.RowStride + kh * _k.HeadStride, _k.RowStride, n, np, _d, kt);
            PackValues((float*)_v.Data + start * _v.RowStride + kh * _v.HeadStride, _v.RowStride, n, np, _d, vp);
            var qBase = (float*)_q.Data + start * _q.RowStride + h * _q.HeadStride;
            var oStride = (long)_hq * _d;
            Span<float> inverseSums = stackalloc float[Rows];
            for (var i0 = 0; i0 < n; i0 += Rows)
            {
                var rows = Math.Min(Rows, n - i0);
                int hi = i0 + rows, lo = FirstKey(i0);
                int jlo = lo / Keys * Keys, jhi = Pad(hi);
                var qRow = qBase + i0 * _q.RowStride;
                for (var j0 = jlo; j0 < jhi; j0 += Keys)
                {
                    ScoreTile(qRow, _q.RowStride, rows, kt + (long)(j0 / Keys) * _d * Keys, _d, _scale, sc + j0, np);
                }

                for (var r = 0; r < rows; r++)
                {
                    inverseSums[r] = Softmax(sc + (long)r * np, jlo, jhi, FirstKey(i0 + r), i0 + r + 1);
                }

                var oRow = _o + (start + i0) * oStride + (long)h * _d;
                for (var c = 0; c < _d; c += Keys)
                {
                    ValueTile(sc, np, vp + (long)c * np, jlo, hi, oRow + c, oStride, rows, inverseSums);
                }
            }
        }

        private int FirstKey(int i) => _window > 0 ? (int)Math.Max(0, i + 1 - _window) : 0;
    }

    // V [n, d] (rows strided) into panels of 16 columns: vp[chunk][j][16].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackValues(float* v, long stride, int n, int np, int d, float* vp)
    {
        for (var j = 0; j < n; j++)
        {
            var src = v + j * stride;
            var dst = vp + (long)j * Keys;
            for (var c = 0; c < d; c += Keys)
            {
                Vector256.Load(src + c).Store(dst + (long)c * np);
                Vector256.Load(src + c + 8).Store(dst + (long)c * np + 8);
            }
        }
    }

    // K [n, d] (rows strided) into panels of 16 keys, kt[panel][x][16], keys n..np zero; 8×8 blocks are
    // transposed in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackKeys(float* k, long stride, int n, int np, int d, float* kt)
    {
        var full = n / 8 * 8;
        for (var j = 0; j < full; j += 8)
        {
            var panel = kt + (long)(j / Keys) * d * Keys + j % Keys;
            var k0 = k + j * stride;
            for (var x = 0; x < d; x += 8)
            {
                var r0 = Vector256.Load(k0 + x);
                var r1 = Vector256.Load(k0 + stride + x);
                var r2 = Vector256.Load(k0 + 2 * stride + x);
                var r3 = Vector256.Load(k0 + 3 * stride + x);
                var r4 = Vector256.Load(k0 + 4 * stride + x);
                var r5 = Vector256.Load(k0 + 5 * stride + x);
                var r6 = Vector256.Load(k0 + 6 * stride + x);
                var r7 = Vector256.Load(k0 + 7 * stride + x);
                Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
                Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
                Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
                Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
                var p = panel + x * Keys;
                Avx.Permute2x128(u0, u4, 0x20).Store(p);
                Avx.Permute2x128(u1, u5, 0x20).Store(p + Keys);
                Avx.Permute2x128(u2, u6, 0x20).Store(p + 2 * Keys);
                Avx.Permute2x128(u3, u7, 0x20).Store(p + 3 * Keys);
                Avx.Permute2x128(u0, u4, 0x31).Store(p + 4 * Keys);
                Avx.Permute2x128(u1, u5, 0x31).Store(p + 5 * Keys);
                Avx.Permute2x128(u2, u6, 0x31).Store(p + 6 * Keys);
                Avx.Permute2x128(u3, u7, 0x31).Store(p + 7 * Keys);
            }
        }

        for (var j = full; j < np; j++)
        {
            var panel = kt + (long)(j / Keys) * d * Keys + j % Keys;
            var kr = k + j * stride;
            for (var x = 0; x < d; x++)
            {
                panel[x * Keys] = j < n ? kr[x] : 0f;
            }
        }
    }

    // s[r][0..16) = scale · Σx q[r][x] · k[x][0..16) for 6 query rows (rows past `rows` repeat the last one).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoreTile(float* q, long qStride, int rows, float* panel, int d, float scale, float* s, int sStride)
    {
        var a00 = Vector256<float>.Zero;
        Vector256<float> a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        Vector256<float> a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        float* q0 = q, q1 = q + Math.Min(1, rows - 1) * qStride, q2 = q + Math.Min(2, rows - 1) * qStride;
        float* q3 = q + Math.Min(3, rows - 1) * qStride, q4 = q + Math.Min(4, rows - 1) * qStride;
        float* q5 = q + Math.Min(5, rows - 1) * qStride;
        for (var x = 0; x < d; x++)
        {
            var k0 = Vector256.Load(panel);
            var k1 = Vector256.Load(panel + 8);
            panel += Keys;
            var b = Vector256.Create(q0[x]);
            a00 = Vector256.FusedMultiplyAdd(b, k0, a00);
            a01 = Vector256.FusedMultiplyAdd(b, k1, a01);
            b = Vector256.Create(q1[x]);
            a10 = Vector256.FusedMultiplyAdd(b, k0, a10);
            a11 = Vector256.FusedMultiplyAdd(b, k1, a11);
            b = Vector256.Create(q2[x]);
            a20 = Vector256.FusedMultiplyAdd(b, k0, a20);
            a21 = Vector256.FusedMultiplyAdd(b, k1, a21);
            b = Vector256.Create(q3[x]);
            a30 = Vector256.FusedMultiplyAdd(b, k0, a30);
            a31 = Vector256.FusedMultiplyAdd(b, k1, a31);
            b = Vector256.Create(q4[x]);
            a40 = Vector256.FusedMultiplyAdd(b, k0, a40);
            a41 = Vector256.FusedMultiplyAdd(b, k1, a41);
            b = Vector256.Create(q5[x]);
            a50 = Vector256.FusedMultiplyAdd(b, k0, a50);
            a51 = Vector256.FusedMultiplyAdd(b, k1, a51);
        }

        var f = Vector256.Create(scale);
        (a00 * f).Store(s);
        (a01 * f).Store(s + 8);
        s += sStride;
        (a10 * f).Store(s);
        (a11 * f).Store(s + 8);
        s += sStride;
        (a20 * f).Store(s);
        (a21 * f).Store(s + 8);
        s += sStride;
        (a30 * f).Store(s);
        (a31 * f).Store(s + 8);
        s += sStride;
        (a40 * f).Store(s);
        (a41 * f).Store(s + 8);
        s += sStride;
        (a50 * f).Store(s);
        (a51 * f).Store(s + 8);
    }

    // Row scores s[jlo..jhi) become e^(s − max) over the visible keys [lo, hi) and exactly 0 elsewhere; returns
    // 1 / Σ. Four chains per step: the exp is a long dependent sequence and one chain leaves the FMA units idle.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Softmax(float* s, int jlo, int jhi, int lo, int hi)
    {
        for (var j = jlo; j < lo; j++)
        {
            s[j] = float.NegativeInfinity;
        }

        for (var j = hi; j < jhi; j++)
        {
            s[j] = float.NegativeInfinity;
        }

        Vector256<float> m0 = Vector256.Create(float.NegativeInfinity), m1 = m0;
        for (var j = jlo; j < jhi; j += 16)
        {
            m0 = Vector256.MaxNative(m0, Vector256.Load(s + j));
            m1 = Vector256.MaxNative(m1, Vector256.Load(s + j + 8));
        }

        var m = Vector256.MaxNative(m0, m1);
        var m4 = Vector128.MaxNative(m.GetLower(), m.GetUpper());
        var max = Vector256.Create(Math.Max(Math.Max(m4[0], m4[1]), Math.Max(m4[2], m4[3])));
        Vector256<float> sum0 = Vector256<float>.Zero, sum1 = sum0, sum2 = sum0, sum3 = sum0;
        var j32 = jlo;
        for (; j32 + 32 <= jhi; j32 += 32)
        {
            var e0 = VectorExp.NonPositive(Vector256.Load(s + j32) - max);
            var e1 = VectorExp.NonPositive(Vector256.Load(s + j32 + 8) - max);
            var e2 = VectorExp.NonPositive(Vector256.Load(s + j32 + 16) - max);
            var e3 = VectorExp.NonPositive(Vector256.Load(s + j32 + 24) - max);
            e0.Store(s + j32);
            e1.Store(s + j32 + 8);
            e2.Store(s + j32 + 16);
            e3.Store(s + j32 + 24);
            sum0 += e0;
            sum1 += e1;
            sum2 += e2;
            sum3 += e3;
        }

        if (j32 < jhi)
        {
            var e0 = VectorExp.NonPositive(Vector256.Load(s + j32) - max);
            var e1 = VectorExp.NonPositive(Vector256.Load(s + j32 + 8) - max);
            e0.Store(s + j32);
            e1.Store(s + j32 + 8);
            sum0 += e0;
            sum1 += e1;
        }

        // A masked key came out as e^-86 (~5e-38, invisible next to the max's 1 in the sum): make its weight 0.
        for (var j = jlo; j < lo; j++)
        {
            s[j] = 0f;
        }

        for (var j = hi; j < jhi; j++)
        {
            s[j] = 0f;
        }

        return 1f / Vector256.Sum((sum0 + sum1) + (sum2 + sum3));
    }

    // o[r][0..16) = inverseSums[r] · Σj p[r][j] · v[j][0..16) over keys [jlo, jhi) for the tile's rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ValueTile(float* p, int pStride, float* vChunk, int jlo, int jhi, float* o, long oStride, int rows, Span<float> inverseSums)
    {
        var a00 = Vector256<float>.Zero;
        Vector256<float> a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        Vector256<float> a40 = a00, a41 = a00, a50 = a00, a51 = a00;
        float* p0 = p, p1 = p0 + pStride, p2 = p1 + pStride, p3 = p2 + pStride, p4 = p3 + pStride, p5 = p4 + pStride;
        var vr = vChunk + (long)jlo * Keys;
        for (var j = jlo; j < jhi; j++)
        {
            var v0 = Vector256.Load(vr);
            var v1 = Vector256.Load(vr + 8);
            vr += Keys;
            var b = Vector256.Create(p0[j]);
            a00 = Vector256.FusedMultiplyAdd(b, v0, a00);
            a01 = Vector256.FusedMultiplyAdd(b, v1, a01);
            b = Vector256.Create(p1[j]);
            a10 = Vector256.FusedMultiplyAdd(b, v0, a10);
            a11 = Vector256.FusedMultiplyAdd(b, v1, a11);
            b = Vector256.Create(p2[j]);
            a20 = Vector256.FusedMultiplyAdd(b, v0, a20);
            a21 = Vector256.FusedMultiplyAdd(b, v1, a21);
            b = Vector256.Create(p3[j]);
            a30 = Vector256.FusedMultiplyAdd(b, v0, a30);
            a31 = Vector256.FusedMultiplyAdd(b, v1, a31);
            b = Vector256.Create(p4[j]);
            a40 = Vector256.FusedMultiplyAdd(b, v0, a40);
            a41 = Vector256.FusedMultiplyAdd(b, v1, a41);
            b = Vector256.Create(p5[j]);
            a50 = Vector256.FusedMultiplyAdd(b, v0, a50);
            a51 = Vector256.FusedMultiplyAdd(b, v1, a51);
        }

        Put(o, a00, a01, inverseSums[0]);
        if (rows > 1)
        {
            Put(o + oStride, a10, a11, inverseSums[1]);
        }

        if (rows > 2)
        {
            Put(o + 2 * oStride, a20, a21, inverseSums[2]);
        }

        if (rows > 3)
        {
            Put(o + 3 * oStride, a30, a31, inverseSums[3]);
        }

        if (rows > 4)
        {
            Put(o + 4 * oStride, a40, a41, inverseSums[4]);
        }

        if (rows > 5)
        {
            Put(o + 5 * oStride, a50, a51, inverseSums[5]);
        }
    }

    private static void Put(float* o, Vector256<float> lo, Vector256<float> hi, float scale)
    {
        var f = Vector256.Create(scale);
        (lo * f).Store(o);
        (hi * f).Store(o + 8);
    }
}
