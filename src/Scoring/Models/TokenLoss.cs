using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TokenClean.Scoring.Kernels;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Models;

/// <summary>
/// Per-row cross-entropy, log Σ exp(logits) − logits[target], from a logits buffer without cross_entropy's
/// [rows, vocab] temporaries (log_softmax's output), which at ~1k rows and a 32k vocabulary are 131 MB mapped and
/// page-faulted per call. float32 on an AVX2 CPU: one C# pass per row (max, then Σ e^(x − max) while the 128 KB row
/// is still in L2), 131 MB read once per 1k-row chunk where libtorch's amax, sub_, exp_ and sum each stream the
/// buffer from memory (48 → 38 ms per 1,024-row chunk at a 32k vocabulary, on the bench VM). Elsewhere (GPU, bf16 logits):
/// the same formula in place with libtorch ops.
/// </summary>
internal static class TokenLoss
{
    /// <summary>
    /// The loss [rows] of <paramref name="logits"/> [rows, vocab] at int64 <paramref name="targets"/> [rows].
    /// <paramref name="logits"/> is scratch: it may be overwritten. No autograd: inference only.
    /// </summary>
    public static Tensor InPlace(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        return CpuKernels.Take(logits) && logits.stride(1) == 1
            ? RowByRow(logits, targets)
            : WithTorchOps(logits, targets);
    }

    /// <summary>The libtorch form: overwrites <paramref name="logits"/> with exp(logits − row max).</summary>
    internal static Tensor WithTorchOps(Tensor logits, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var target = logits.gather(1, targets.unsqueeze(1));
        var max = logits.amax([1], keepdim: true);
        logits.sub_(max).exp_();
        var loss = logits.sum([1], keepdim: true).log_().add_(max).sub_(target).squeeze(1);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The C# form for float32 CPU logits (rows may be strided, the vocabulary dense); reads only.</summary>
    internal static unsafe Tensor RowByRow(Tensor logits, Tensor targets)
    {
        long rows = logits.shape[0], vocab = logits.shape[1], stride = logits.stride(0);
        var target = targets.to(ScalarType.Int64).cpu().data<long>().ToArray();
        if (target.Length != rows)
        {
            throw new ArgumentException($"{target.Length} targets for {rows} rows", nameof(targets));
        }

        foreach (var t in target)
        {
            if (t < 0 || t >= vocab)
            {
                throw new ArgumentOutOfRangeException(nameof(targets), t, $"target outside the vocabulary of {vocab}");
            }
        }

        var loss = new float[rows];
        var x = (IntPtr)TensorMemory.Floats(logits);
        KernelThreads.For((int)rows, CpuKernels.Threads, (r, _) =>
        {
            var row = (float*)x + (r * stride);
            loss[r] = LogSumExp(row, (int)vocab) - row[target[r]];
        });
        GC.KeepAlive(logits);
        return tensor(loss);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float LogSumExp(float* x, int n)
    {
        var full = n / 32 * 32;
        Vector256<float> m0 = Vector256.Create(float.NegativeInfinity), m1 = m0, m2 = m0, m3 = m0;
        for (var j = 0; j < full; j += 32)
        {
            m0 = Vector256.MaxNative(m0, Vector256.Load(x + j));
            m1 = Vector256.MaxNative(m1, Vector256.Load(x + j + 8));
            m2 = Vector256.MaxNative(m2, Vector256.Load(x + j + 16));
            m3 = Vector256.MaxNative(m3, Vector256.Load(x + j + 24));
        }

        var m = Vector256.MaxNative(Vector256.MaxNative(m0, m1), Vector256.MaxNative(m2, m3));
        var max = float.NegativeInfinity;
        for (var i = 0; i < Vector256<float>.Count; i++)
        {
            max = Math.Max(max, m[i]);
        }

        for (var j = full; j < n; j++)
        {
            max = Math.Max(max, x[j]);
        }

        if (!float.IsFinite(max))
        {
            return max; // +inf or NaN logits: the loss is not a number either way (as with cross_entropy)
        }

        var mv = Vector256.Create(max);
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (var j = 0; j < full; j += 32)
        {
            s0 += VectorExp.NonPositive(Vector256.Load(x + j) - mv);
            s1 += VectorExp.NonPositive(Vector256.Load(x + j + 8) - mv);
            s2 += VectorExp.NonPositive(Vector256.Load(x + j + 16) - mv);
            s3 += VectorExp.NonPositive(Vector256.Load(x + j + 24) - mv);
        }

        var sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        for (var j = full; j < n; j++)
        {
            sum += MathF.Exp(x[j] - max);
        }

        return MathF.Log(sum) + max;
    }
}
