using TokenClean.Scoring.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Tests.Kernels;

/// <summary>
/// The fp32 CPU attention kernel against softmax(q·kᵀ·scale + mask)·v computed per segment and head in float64 with
/// plain libtorch ops (neither the kernel nor scaled_dot_product_attention).
/// </summary>
[Collection("libtorch")]
public sealed class CausalAttentionKernelTests
{
    // Lengths cover a single row, part of a 6-row tile, whole tiles, the 8-key transposition tail and 16-key panels.
    private static readonly long[] Lengths = [1, 5, 6, 7, 16, 17, 100, 257];

    [KernelTheory]
    [InlineData(8, 8, 64, 0, 0.0)]   // Llama-style: as many key/value heads as query heads
    [InlineData(8, 2, 64, 0, 0.0)]   // grouped-query attention, read in place
    [InlineData(4, 4, 128, 0, 0.0)]  // head size 128
    [InlineData(4, 2, 32, 0, 0.3)]   // a scale that is not 1/√d
    [InlineData(4, 4, 64, 5, 0.0)]   // sliding window (Mistral)
    [InlineData(2, 1, 16, 40, 0.0)]  // a window longer than some segments
    public void Attend_EqualsMaskedSoftmaxInFloat64(int hq, int hkv, int d, long window, double scale)
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        if (scale == 0)
        {
            scale = 1 / Math.Sqrt(d);
        }

        var (q, k, v, cu) = Inputs(hq, hkv, d, seed: hq * 1000 + d);

        var actual = CausalAttentionKernel.Attend(q, k, v, cu, scale, window);

        var expected = Reference(q, k, v, cu, scale, window);
        Assert.Equal([cu[^1], hq * d], actual.shape);
        var diff = (actual.to_type(ScalarType.Float64) - expected).abs().max().item<double>();
        Assert.True(diff <= 1e-5, $"max |kernel - float64 reference| = {diff:E2}"); // fp32 rounding over up to 257 keys
    }

    [KernelFact]
    public void Attend_GivesKeysOutsideTheWindowAndTheFutureAndOtherSegmentsNoWeight()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        const long window = 9;
        var (q, k, v, cu) = Inputs(4, 2, 64, seed: 11);
        var before = CausalAttentionKernel.Attend(q, k, v, cu, 0.125, window);

        // Row 50 of the 100-row segment sees its keys 42..50 only: change every other key and value row of the batch.
        long start = cu[Array.IndexOf(Lengths, 100L)], row = start + 50;
        var k2 = k.clone();
        var v2 = v.clone();
        foreach (var (from, count) in new[] { (0L, row - 8), (row + 1, cu[^1] - row - 1) })
        {
            k2.narrow(0, from, count).mul_(-3).add_(7);
            v2.narrow(0, from, count).mul_(5).add_(1e6);
        }

        var after = CausalAttentionKernel.Attend(q, k2, v2, cu, 0.125, window);

        Assert.True(Same(before[row], after[row]), "row 50's output changed when keys it may not see changed");
        Assert.False(Same(before[row - 1], after[row - 1]), "the test's change must reach a row that sees it");
    }

    [KernelFact]
    public void Attend_DoesNotDependOnTheThreadCount()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var (q, k, v, cu) = Inputs(8, 4, 64, seed: 5);

        var one = CausalAttentionKernel.Attend(q, k, v, cu, 0.125, 0, threads: 1);
        var three = CausalAttentionKernel.Attend(q, k, v, cu, 0.125, 0, threads: 3);

        Assert.True(Same(one, three));
    }

    [KernelFact]
    public void Attend_ReadsStridedViewsOfAFusedProjection()
    {
        // GPT-2's c_attn yields q, k and v as column slices of one [rows, 3·hidden] tensor.
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        long rows = 123, heads = 4, d = 32;
        var qkv = randn(rows, 3 * heads * d, generator: new Generator(9));
        Tensor Slice(int i) => qkv.narrow(1, i * heads * d, heads * d).view(rows, heads, d);
        long[] cu = [0, 60, 123];

        var strided = CausalAttentionKernel.Attend(Slice(0), Slice(1), Slice(2), cu, 0.2, 0);
        var dense = CausalAttentionKernel.Attend(Slice(0).contiguous(), Slice(1).contiguous(), Slice(2).contiguous(), cu, 0.2, 0);

        Assert.True(Same(strided, dense));
    }

    [KernelFact]
    public void Applies_OnlyToFp32CpuInference_WithHeadSizeAMultipleOf16()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var q = randn(10, 2, 64);
        Assert.True(CausalAttentionKernel.Applies(q, q, q));
        Assert.False(CausalAttentionKernel.Applies(q.requires_grad_(true), q, q));
        var h = randn(10, 2, 64, ScalarType.BFloat16);
        Assert.False(CausalAttentionKernel.Applies(h, h, h));
        var small = randn(10, 2, 8);
        Assert.False(CausalAttentionKernel.Applies(small, small, small));
    }

    [Bf16KernelFact]
    public void AttendWidened_EqualsTheFloat64AttentionOfTheBf16Values_RoundedOnce()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var (q32, k32, v32, cu) = Inputs(8, 2, 64, seed: 77);
        var (q, k, v) = (q32.to(ScalarType.BFloat16), k32.to(ScalarType.BFloat16), v32.to(ScalarType.BFloat16));

        var actual = CausalAttentionKernel.AttendWidened(q, k, v, cu, 0.125, 0);

        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        // One bf16 ulp, plus the kernel's fp32 error (≤ 1e-5, above) where an output near zero has ulps finer than that.
        Bf16Assert.WithinOneUlpOfRounded(actual, Reference(q, k, v, cu, 0.125, 0), minIdentical: 0.98, absoluteSlack: 1e-5);
        var layout = new TokenClean.Scoring.Models.AttentionLayout(true, cu, 1);
        Assert.True(Same(actual, layout.Attend(q, k, v, 0.125, 0)), "the layout does not send bf16 to the widened kernel");
    }

    [Bf16KernelFact]
    public void AppliesWidened_OnlyToBf16CpuInference_WithHeadSizeAMultipleOf16()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var h = randn(10, 2, 64, ScalarType.BFloat16);
        Assert.True(CausalAttentionKernel.AppliesWidened(h, h, h));
        Assert.False(CausalAttentionKernel.AppliesWidened(h.clone().requires_grad_(true), h, h)); // training keeps SDPA's autograd
        var f = randn(10, 2, 64);
        Assert.False(CausalAttentionKernel.AppliesWidened(f, f, f));
        var small = randn(10, 2, 8, ScalarType.BFloat16);
        Assert.False(CausalAttentionKernel.AppliesWidened(small, small, small));
    }

    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    private static (Tensor Q, Tensor K, Tensor V, long[] Cu) Inputs(int hq, int hkv, int d, int seed)
    {
        var cu = new long[Lengths.Length + 1];
        for (var s = 0; s < Lengths.Length; s++)
        {
            cu[s + 1] = cu[s] + Lengths[s];
        }

        var gen = new Generator((ulong)seed);
        long rows = cu[^1];
        return (randn(rows, hq, d, generator: gen).mul_(2), randn(rows, hkv, d, generator: gen), randn(rows, hkv, d, generator: gen), cu);
    }

    private static Tensor Reference(Tensor q, Tensor k, Tensor v, long[] cu, double scale, long window)
    {
        var group = q.shape[1] / k.shape[1];
        var parts = new List<Tensor>();
        for (var s = 0; s + 1 < cu.Length; s++)
        {
            long start = cu[s], n = cu[s + 1] - start;
            var qs = q.narrow(0, start, n).to_type(ScalarType.Float64).transpose(0, 1);                                   // [Hq, n, d]
            var ks = k.narrow(0, start, n).to_type(ScalarType.Float64).transpose(0, 1).repeat_interleave(group, dim: 0); // [Hq, n, d]
            var vs = v.narrow(0, start, n).to_type(ScalarType.Float64).transpose(0, 1).repeat_interleave(group, dim: 0);
            var scores = qs.matmul(ks.transpose(1, 2)).mul_(scale);
            var i = arange(n).unsqueeze(1);
            var j = arange(n).unsqueeze(0);
            var hidden = j > i;
            if (window > 0)
            {
                hidden = hidden.logical_or(i - j >= window);
            }

            scores = scores.masked_fill(hidden, double.NegativeInfinity);
            parts.Add(scores.softmax(-1).matmul(vs).transpose(0, 1).reshape(n, -1));
        }

        return cat(parts, 0);
    }
}
