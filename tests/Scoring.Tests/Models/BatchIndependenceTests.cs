using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Models;

/// <summary>Invariant 5: a sample's losses do not depend on what it is batched with, nor on packing or padding.</summary>
[Collection("libtorch")]
public sealed class BatchIndependenceTests
{
    private static readonly int[] Lengths = [300, 3, 33, 1, 57, 12, 2, 64, 70];

    [Theory]
    [MemberData(nameof(TinyModels.Variants), MemberType = typeof(TinyModels))]
    public void TokenLosses_AlonePackedPaddedOrMasked_AgreeWithin1e5(string variant)
    {
        var samples = new int[Lengths.Length][];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = TinyModels.Tokens(Lengths[i], 100 + i);
        }

        var dir = TinyModels.Dir(variant);
        var before = Torch.LiveTensors;
        using (var packed = CausalLm.Load(dir, options: new ScoringOptions { BatchMode = BatchMode.Packed }))
        using (var padded = CausalLm.Load(dir, options: new ScoringOptions { BatchMode = BatchMode.Padded, LmHeadChunkTokens = 7 }))
        using (var small = CausalLm.Load(dir, options: new ScoringOptions { MaxBatchTokens = 80 }))
        {
            var alone = new float[samples.Length][];
            for (var i = 0; i < samples.Length; i++)
            {
                alone[i] = packed.TokenLosses([samples[i]])[0];
            }

            AssertClose(alone, packed.TokenLosses(samples), "packed together");
            AssertClose(alone, padded.TokenLosses(samples), "padded together");
            AssertClose(alone, small.TokenLosses(samples), "auto, small batches");

            // Scoring only every other position leaves the others NaN and changes nothing else.
            var mask = new bool[samples.Length][];
            for (var i = 0; i < samples.Length; i++)
            {
                mask[i] = new bool[samples[i].Length];
                for (var j = 0; j < mask[i].Length; j++)
                {
                    mask[i][j] = j % 2 == 1;
                }
            }

            var masked = padded.TokenLosses(samples, mask);
            for (var i = 0; i < samples.Length; i++)
            {
                for (var j = 0; j < samples[i].Length; j++)
                {
                    if (mask[i][j] && j > 0)
                    {
                        Assert.True(Math.Abs(alone[i][j] - masked[i][j]) <= 1e-5f, $"masked sample {i} position {j}: {alone[i][j]} vs {masked[i][j]}");
                    }
                    else
                    {
                        Assert.True(float.IsNaN(masked[i][j]), $"masked sample {i} position {j} should be NaN");
                    }
                }
            }
        }

        Assert.Equal(before, Torch.LiveTensors);
    }

    [Theory]
    [MemberData(nameof(TinyModels.Variants), MemberType = typeof(TinyModels))]
    public void TokenLosses_WithPromptsUnscored_TheLastLayerRunsOnTheScoredRowsOnly_AndTheirLossesStay(string variant)
    {
        // Packed, so the batch has no padding: only the unscored prompts make the scored rows few.
        using var model = CausalLm.Load(TinyModels.Dir(variant), options: new ScoringOptions { BatchMode = BatchMode.Packed });
        int[][] samples = [TinyModels.Tokens(40, 31), TinyModels.Tokens(9, 32), TinyModels.Tokens(61, 33)];
        var rows = samples.Sum(s => s.Length);
        var responses = samples.Select(s => Enumerable.Range(0, s.Length).Select(j => j >= s.Length / 2).ToArray()).ToArray();
        var wanted = responses.Sum(m => m.Count(x => x));

        var all = model.TokenLosses(samples);
        Assert.Equal(rows, model.LastBatchHiddenRows); // every position but the first is scored: no cut
        var scored = model.TokenLosses(samples, responses);
        Assert.Equal(wanted, model.LastBatchHiddenRows);

        for (var i = 0; i < samples.Length; i++)
        {
            for (var j = 1; j < samples[i].Length; j++)
            {
                if (responses[i][j])
                {
                    Assert.True(Math.Abs(all[i][j] - scored[i][j]) <= 1e-5f, $"sample {i} position {j}: {all[i][j]} vs {scored[i][j]}");
                }
                else
                {
                    Assert.True(float.IsNaN(scored[i][j]), $"sample {i} position {j} is not scored");
                }
            }
        }
    }

    [Theory]
    [InlineData(BatchMode.Packed, DType.Float32)]
    [InlineData(BatchMode.Padded, DType.Float32)]
    [InlineData(BatchMode.Packed, DType.BFloat16)] // on a CPU without bf16 units: the products and the LM head through fp32
    public void TokenLosses_LeaveTheLiveTensorCountAtItsBaseline_AfterEveryBatch(BatchMode mode, DType dtype)
    {
        using var model = CausalLm.Load(TinyModels.Dir("mistral"), dtype: dtype, options: new ScoringOptions { BatchMode = mode, MaxBatchTokens = 100, LmHeadChunkTokens = 5 });
        int[][] samples = [TinyModels.Tokens(90, 1), TinyModels.Tokens(40, 2), TinyModels.Tokens(33, 3), TinyModels.Tokens(7, 4), TinyModels.Tokens(60, 5)];
        model.TokenLosses([samples[0]]); // the first call grows the rotary cos/sin cache (two tensors the model keeps)
        var baseline = Torch.LiveTensors;
        var counts = new List<long>();
        model.BatchDone = () => counts.Add(Torch.LiveTensors);
        model.TokenLosses(samples);
        model.TokenLosses(samples[..2]);

        Assert.True(counts.Count >= 4, $"only {counts.Count} batches ran");
        Assert.All(counts, c => Assert.Equal(baseline, c));
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    public void TokenLosses_MlpInBlocksOfSevenRows_AgreeWithOneBlock(string variant)
    {
        // A scoring MLP block holds at least 1,024 rows in production; cap it at 7 so a batch spans many blocks.
        var samples = new int[Lengths.Length][];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = TinyModels.Tokens(Lengths[i], 200 + i);
        }

        using var model = CausalLm.Load(TinyModels.Dir(variant));
        var whole = model.TokenLosses(samples);
        float[][] blocked;
        LlamaBlock.MaxMlpBlockRows = 7;
        try
        {
            blocked = model.TokenLosses(samples);
        }
        finally
        {
            LlamaBlock.MaxMlpBlockRows = long.MaxValue;
        }

        AssertClose(whole, blocked, "MLP in 7-row blocks");
    }

    private static void AssertClose(float[][] expected, float[][] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            Assert.True(float.IsNaN(actual[i][0]), $"{what}: sample {i} position 0 must be NaN");
            for (var j = 1; j < expected[i].Length; j++)
            {
                Assert.False(float.IsNaN(actual[i][j]), $"{what}: sample {i} position {j} is NaN");
                Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= 1e-5f, $"{what}: sample {i} position {j}: {expected[i][j]} vs {actual[i][j]}");
            }
        }
    }
}
