using TokenClean.Scoring.Native;

namespace TokenClean.Scoring.Tests.Native;

/// <summary>
/// The fused CPU float32 kernels (attention, RMSNorm, RoPE, SwiGLU, residual GEMM, cross entropy) against naive
/// float64 loops written here, on shapes that cross the kernels' tiles: segments longer than a 128-query block,
/// GQA, a sliding window, strided views of a fused projection.
/// </summary>
[Collection("libtorch")]
public sealed class FusedKernelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public void AttentionPacked_OfLongSegmentsWithGqa_MatchesANaiveSoftmaxWithin1e5(int window)
    {
        long[] cu = [0, 300, 305, 436];
        const int heads = 4, kvHeads = 2, dim = 16;
        var rows = (int)cu[^1];
        var q = Random(rows * heads * dim, 1);
        var k = Random(rows * kvHeads * dim, 2);
        var v = Random(rows * kvHeads * dim, 3);
        const double scale = 0.25;
        var before = Torch.LiveHandles;
        float[] actual;
        using (var scope = TensorScope.Begin())
        {
            var qt = Tensor.FromArray(q, rows, heads, dim);
            var kt = Tensor.FromArray(k, rows, kvHeads, dim);
            var vt = Tensor.FromArray(v, rows, kvHeads, dim);
            actual = Tensor.AttentionPacked(qt, kt, vt, cu, scale, window).ToFloatArray();
        }

        Assert.Equal(before, Torch.LiveHandles);
        for (var s = 0; s + 1 < cu.Length; s++)
        {
            for (var i = (int)cu[s]; i < cu[s + 1]; i++)
            {
                for (var h = 0; h < heads; h++)
                {
                    var kh = h / (heads / kvHeads);
                    var first = window > 0 ? Math.Max((int)cu[s], i - window + 1) : (int)cu[s];
                    var scores = new double[i - first + 1];
                    var max = double.NegativeInfinity;
                    for (var j = first; j <= i; j++)
                    {
                        double dot = 0;
                        for (var d = 0; d < dim; d++)
                        {
                            dot += (double)q[(((i * heads) + h) * dim) + d] * k[(((j * kvHeads) + kh) * dim) + d];
                        }

                        scores[j - first] = dot * scale;
                        max = Math.Max(max, scores[j - first]);
                    }

                    double sum = 0;
                    for (var j = 0; j < scores.Length; j++)
                    {
                        scores[j] = Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }

                    for (var d = 0; d < dim; d++)
                    {
                        double o = 0;
                        for (var j = first; j <= i; j++)
                        {
                            o += scores[j - first] / sum * v[(((j * kvHeads) + kh) * dim) + d];
                        }

                        var got = actual[(((i * heads) + h) * dim) + d];
                        Assert.True(Math.Abs(got - o) <= 1e-5, $"row {i} head {h} dim {d}: {got} vs {o}");
                    }
                }
            }
        }
    }

    [Fact]
    public void AttentionPadded_EqualsPackedForRowsOfEqualLength()
    {
        const int batch = 2, len = 140, heads = 2, dim = 8;
        var q = Random(batch * len * heads * dim, 4);
        var k = Random(batch * len * heads * dim, 5);
        var v = Random(batch * len * heads * dim, 6);
        using var scope = TensorScope.Begin();
        var qt = Tensor.FromArray(q, batch * len, heads, dim);
        var kt = Tensor.FromArray(k, batch * len, heads, dim);
        var vt = Tensor.FromArray(v, batch * len, heads, dim);
        var padded = Tensor.AttentionPadded(qt, kt, vt, batch, 0.3).ToFloatArray();
        var packed = Tensor.AttentionPacked(qt, kt, vt, [0L, len, 2 * len], 0.3).ToFloatArray();
        Assert.Equal(packed, padded);
    }

    [Fact]
    public void RmsNorm_OfRows_MatchesTheFormulaWithin1e6()
    {
        const int rows = 37, hidden = 70;
        var x = Random(rows * hidden, 7);
        var w = Random(hidden, 8);
        using var scope = TensorScope.Begin();
        var y = Tensor.FromArray(x, rows, hidden).RmsNorm(Tensor.FromArray(w, hidden), 1e-5).ToFloatArray();
        for (var r = 0; r < rows; r++)
        {
            double ss = 0;
            for (var j = 0; j < hidden; j++)
            {
                ss += (double)x[(r * hidden) + j] * x[(r * hidden) + j];
            }

            var inv = 1 / Math.Sqrt((ss / hidden) + 1e-5);
            for (var j = 0; j < hidden; j++)
            {
                var expected = w[j] * x[(r * hidden) + j] * inv;
                Assert.True(Math.Abs(y[(r * hidden) + j] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"row {r} col {j}");
            }
        }
    }

    [Fact]
    public void RotaryInPlace_OfAStridedView_RotatesOnlyThatViewAtEachRowsPosition()
    {
        const int rows = 5, heads = 2, dim = 8, width = 3 * heads * dim, positions = 10;
        var fused = Random(rows * width, 9);
        var cos = Random(positions * dim, 10);
        var sin = Random(positions * dim, 11);
        long[] pos = [3, 0, 9, 3, 7];
        float[] after;
        using (var scope = TensorScope.Begin())
        {
            var t = Tensor.FromArray(fused, rows, width);
            var view = t.Narrow(1, heads * dim, heads * dim).Reshape(rows, heads, dim); // the "k" third
            view.RotaryInPlace(Tensor.FromArray(cos, positions, dim), Tensor.FromArray(sin, positions, dim), Tensor.FromArray(pos, rows));
            after = t.ToFloatArray();
        }

        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < width; c++)
            {
                var i = (r * width) + c;
                var inView = c >= heads * dim && c < 2 * heads * dim;
                if (!inView)
                {
                    Assert.Equal(fused[i], after[i]);
                    continue;
                }

                var d = (c - (heads * dim)) % dim;
                var headStart = i - d;
                var p = (int)pos[r];
                var rotated = d < dim / 2 ? -fused[headStart + d + (dim / 2)] : fused[headStart + d - (dim / 2)];
                var expected = (fused[i] * (double)cos[(p * dim) + d]) + (rotated * (double)sin[(p * dim) + d]);
                Assert.True(Math.Abs(after[i] - expected) <= 1e-6, $"row {r} col {c}: {after[i]} vs {expected}");
            }
        }
    }

    [Fact]
    public void SwiGlu_OfAFusedGateUp_IsSiluOfTheFirstHalfTimesTheSecond()
    {
        const int rows = 9, inter = 21;
        var gu = Random(rows * 2 * inter, 12, spread: 20);
        using var scope = TensorScope.Begin();
        var y = Tensor.FromArray(gu, rows, 2 * inter).SwiGlu().ToFloatArray();
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < inter; j++)
            {
                double g = gu[(r * 2 * inter) + j], u = gu[(r * 2 * inter) + inter + j];
                var expected = g / (1 + Math.Exp(-g)) * u;
                Assert.True(Math.Abs(y[(r * inter) + j] - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected)), $"row {r} col {j}: {y[(r * inter) + j]} vs {expected}");
            }
        }
    }

    [Fact]
    public void LinearAddInPlace_AddsTheProjectionAndBiasToTheResidual()
    {
        using var scope = TensorScope.Begin();
        var h = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        var x = Tensor.FromArray([1f, 0f, 2f, 0f, 1f, 1f], 2, 3);
        var w = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3); // [out 2, in 3]
        h.LinearAddInPlace(x, w, Tensor.FromArray([10f, 20f], 2));
        // x·wᵀ = [[7, 16], [5, 11]]
        Assert.Equal([18f, 38f, 18f, 35f], h.ToFloatArray());
    }

    [Fact]
    public void CrossEntropy_OfWideRows_IsLogSumExpMinusTheTargetLogit()
    {
        const int rows = 6, vocab = 1003;
        var logits = Random(rows * vocab, 13, spread: 30);
        long[] targets = [0, 1002, 17, 500, 3, 999];
        using var scope = TensorScope.Begin();
        var ce = Tensor.FromArray(logits, rows, vocab).CrossEntropy(Tensor.FromArray(targets, rows)).ToFloatArray();
        for (var r = 0; r < rows; r++)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < vocab; j++)
            {
                max = Math.Max(max, logits[(r * vocab) + j]);
            }

            double sum = 0;
            for (var j = 0; j < vocab; j++)
            {
                sum += Math.Exp(logits[(r * vocab) + j] - max);
            }

            var expected = Math.Log(sum) + max - logits[(r * vocab) + targets[r]];
            Assert.True(Math.Abs(ce[r] - expected) <= 1e-5 * Math.Max(1, expected), $"row {r}: {ce[r]} vs {expected}");
        }

        Assert.Throws<TorchException>(() => Tensor.FromArray(logits, rows, vocab).CrossEntropy(Tensor.FromArray([0L, 0, 0, 0, 0, vocab], rows)));
    }

    private static float[] Random(int n, int seed, double spread = 2)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = (float)((rng.NextDouble() - 0.5) * spread);
        }

        return a;
    }
}
