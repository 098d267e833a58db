using TokenClean.Scoring.Kernels;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Models;

/// <summary>
/// How the rows of a forward pass are arranged: packed variable-length segments (offsets <see cref="CuSeqlens"/>)
/// or <see cref="Batch"/> right-padded rows of equal length. fp32 scoring on an AVX2 CPU runs
/// <see cref="CausalAttentionKernel"/> over the segments (a padded row is a segment of the padded length), and so does
/// bf16 scoring on a CPU without bf16 units, widened to fp32 (<see cref="Bf16Products"/>); everything
/// else runs through libtorch's scaled_dot_product_attention (0.107 has no varlen form: one call per packed segment;
/// no GQA or scale option: key/value heads are repeated and q is pre-scaled when the scale is not 1/√head_dim).
/// </summary>
internal sealed record AttentionLayout(bool Packed, long[] CuSeqlens, long Batch)
{
    /// <summary>Causal attention of q [rows, Hq, D] over k, v [rows, Hkv, D]; returns [rows, Hq·D].</summary>
    public Tensor Attend(Tensor q, Tensor k, Tensor v, double scale, long window)
    {
        long rows = q.shape[0], heads = q.shape[1], dim = q.shape[2];
        if (CausalAttentionKernel.Applies(q, k, v))
        {
            return CausalAttentionKernel.Attend(q, k, v, Packed ? CuSeqlens : PaddedRows(rows), scale, window);
        }

        if (CausalAttentionKernel.AppliesWidened(q, k, v))
        {
            return CausalAttentionKernel.AttendWidened(q, k, v, Packed ? CuSeqlens : PaddedRows(rows), scale, window);
        }

        if (!Packed)
        {
            var len = rows / Batch;
            using var q4 = q.view(Batch, len, heads, dim).transpose(1, 2);
            using var k4 = k.view(Batch, len, k.shape[1], dim).transpose(1, 2);
            using var v4 = v.view(Batch, len, v.shape[1], dim).transpose(1, 2);
            using var o = Causal(q4, k4, v4, scale, window);
            return o.transpose(1, 2).reshape(rows, heads * dim);
        }

        var parts = new Tensor[CuSeqlens.Length - 1];
        try
        {
            for (var s = 0; s < parts.Length; s++)
            {
                long start = CuSeqlens[s], len = CuSeqlens[s + 1] - start;
                using var qs = q.narrow(0, start, len).transpose(0, 1).unsqueeze(0);
                using var ks = k.narrow(0, start, len).transpose(0, 1).unsqueeze(0);
                using var vs = v.narrow(0, start, len).transpose(0, 1).unsqueeze(0);
                using var o = Causal(qs, ks, vs, scale, window);
                parts[s] = o.squeeze(0).transpose(0, 1).reshape(len, heads * dim);
            }

            return parts.Length == 1 ? parts[0] : cat(parts, 0);
        }
        finally
        {
            if (parts.Length > 1)
            {
                foreach (var p in parts)
                {
                    p?.Dispose();
                }
            }
        }
    }

    private long[] PaddedRows(long rows)
    {
        var len = rows / Batch;
        var cu = new long[Batch + 1];
        for (var b = 1; b <= Batch; b++)
        {
            cu[b] = b * len;
        }

        return cu;
    }

    // q [B, Hq, L, D], k/v [B, Hkv, L, D] -> [B, Hq, L, D]
    private static Tensor Causal(Tensor q, Tensor k, Tensor v, double scale, long window)
    {
        using var scope = NewDisposeScope();
        long hq = q.shape[1], hkv = k.shape[1], len = q.shape[2], dim = q.shape[3];
        if (hkv <= 0 || hq % hkv != 0)
        {
            throw new TorchException($"query heads ({hq}) must be a multiple of key/value heads ({hkv})");
        }

        if (hq != hkv)
        {
            k = k.repeat_interleave(hq / hkv, dim: 1);
            v = v.repeat_interleave(hq / hkv, dim: 1);
        }

        var defaultScale = 1.0 / Math.Sqrt(dim);
        if (Math.Abs(scale - defaultScale) > 1e-9 * defaultScale)
        {
            q = q * (scale / defaultScale);
        }

        Tensor o;
        if (window > 0 && window < len)
        {
            // Sliding window: query i sees keys j with 0 <= i - j < window.
            var all = ones(len, len, dtype: ScalarType.Bool, device: q.device);
            var mask = all.tril().logical_and_(all.tril(-window).logical_not_());
            o = nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.0, false);
        }
        else
        {
            o = nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, true);
        }

        return o.MoveToOuterDisposeScope();
    }
}
