using TokenClean.Cli;
using TokenClean.Cli.Bench;
using TokenClean.Evidence.Metrics;
using TokenClean.Evidence.Report;
using TokenClean.Evidence.World;
using TokenClean.Embedded.Models;
using TokenClean.Scoring.Generation;
using TokenClean.Scoring.Models;
using TokenClean.Training.Data;

namespace TokenClean.Service.Tests.Cli;

/// <summary>
/// <c>tokenclean bench synthetic</c> in miniature, end to end through train and clean: the ground-truth bookkeeping
/// is right (the oracle mask keeps exactly the informative tokens, its inverse none of them, full keeps everything),
/// and the report files are written. It checks the bookkeeping, never which method wins.
/// </summary>
[Collection("libtorch")]
public sealed class BenchSyntheticTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-bench-synth-" + Guid.NewGuid().ToString("N")[..12]);

    private static SyntheticBenchSettings Tiny => new()
    {
        World = new WorldOptions { CorpusSize = 32, PoolSize = 24, WarmupSize = 8, EvalSize = 8 },
        Seeds = [7],
        NoiseRates = [0.3],
        KeepRatios = [0.6],
        Model = (16, 1, 2, 1, 32),
        Pretrain = new(1e-3, 1, 16),
        Reference = new(1e-3, 1, 8),
        Sft = new(1e-3, 1, 12),
    };

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void TinyBench_EndToEnd_OracleKeepsExactlyTheInformativeTokens_AndWritesTheReport()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(0, BenchCommand.Run(Tiny, _dir, stdout, stderr, CancellationToken.None));

        var runs = File.ReadAllLines(Path.Combine(_dir, "runs.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        string[] Row(string method) => Assert.Single(runs, r => r[3] == method);
        double Col(string[] row, int i) => double.Parse(row[i], System.Globalization.CultureInfo.InvariantCulture);

        // seed,noise_rate,keep,method,accuracy,answer_loss,answer_accuracy,precision,keep_ratio,informative_kept,noise_dropped,boilerplate_dropped,seconds
        var oracle = Row("oracle");
        Assert.Equal(1.0, Col(oracle, 7));
        Assert.Equal(1.0, Col(oracle, 9));
        Assert.Equal(1.0, Col(oracle, 10));
        Assert.Equal(1.0, Col(oracle, 11));
        var full = Row("full");
        Assert.Equal(1.0, Col(full, 8));
        Assert.Equal(0.0, Col(full, 10));
        Assert.Equal(0.0, Col(full, 11));
        Assert.InRange(Col(Row("random"), 8), 0.55, 0.65);
        Assert.InRange(Col(Row("fixed-model"), 8), 0.55, 0.65); // global top-k keeps int(0.6 N) of the scored tokens
        Assert.InRange(Col(Row("self-evolving"), 8), 0.55, 0.65); // evolve: top k within each chunk, through the product's command
        foreach (var method in new[] { "base", "reference", "per-sample" })
        {
            _ = Row(method);
        }

        Assert.Contains("| oracle |", stdout.ToString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "summary.csv")));
        Assert.Contains("-> ", File.ReadAllText(Path.Combine(_dir, "work", "decodes.txt")), StringComparison.Ordinal);
        var png = File.ReadAllBytes(Path.Combine(_dir, "accuracy-vs-noise.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        // The inverted oracle, read back through the same reader the trainer uses: nothing informative kept.
        var world = new SyntheticWorld(Tiny.World with { Seed = 7 });
        var pool = world.Pool(0.3);
        var truthPath = Path.Combine(_dir, "truth.jsonl");
        WorldFiles.WriteTruth(truthPath, pool);
        var invertedPath = Path.Combine(_dir, "inverted.jsonl");
        WorldFiles.WriteSamples(invertedPath, pool, OracleMask.Inverted);
        var masks = TrainingDataReader.Read(invertedPath, null, null, int.MaxValue).Samples.ToDictionary(s => s.Id, s => s.Labels);
        var inverted = MaskQuality.Measure(WorldFiles.ReadTruth(truthPath), masks);
        Assert.Equal(0.0, inverted.Precision);
        Assert.Equal(0.0, inverted.InformativeKept);
        Assert.Equal(0.0, inverted.NoiseDropped);
    }

    [Fact]
    public void World_NoiseIsNestedAcrossRates_HeldOutPromptsAreUnseen_AndLabelsMatchKinds()
    {
        var world = new SyntheticWorld(new WorldOptions { Seed = 3, PoolSize = 200, WarmupSize = 20, EvalSize = 50 });
        var low = world.Pool(0.1);
        var high = world.Pool(0.3);
        var clean = world.Pool(0);
        var noisyLow = 0;
        var noisyHigh = 0;
        for (var i = 0; i < low.Count; i++)
        {
            for (var j = 0; j < low[i].Kinds.Length; j++)
            {
                Assert.NotEqual(TokenKind.Noise, clean[i].Kinds[j]);
                if (low[i].Kinds[j] == TokenKind.Noise)
                {
                    noisyLow++;
                    Assert.Equal(TokenKind.Noise, high[i].Kinds[j]);
                    Assert.NotEqual(clean[i].InputIds[j], low[i].InputIds[j]);
                }

                noisyHigh += high[i].Kinds[j] == TokenKind.Noise ? 1 : 0;
                Assert.Equal(low[i].Kinds[j] == TokenKind.Prompt ? -100 : low[i].InputIds[j], low[i].Labels[j]);
            }

            Assert.Equal(clean[i].Answer.Select(world.Answer).ToArray().Length, clean[i].Answer.Length);
        }

        var answers = 200 * 4;
        Assert.InRange(noisyLow / (double)answers, 0.06, 0.14);
        Assert.InRange(noisyHigh / (double)answers, 0.25, 0.35);
        var seen = world.Pool(0).Concat(world.Warmup()).Select(s => string.Join(',', s.Prompt)).ToHashSet();
        Assert.DoesNotContain(world.Evaluation(), s => seen.Contains(string.Join(',', s.Prompt)));
        Assert.Equal(new SyntheticWorld(new WorldOptions { Seed = 3, PoolSize = 200, WarmupSize = 20, EvalSize = 50 }).Pool(0.3).Select(s => s.KindString), high.Select(s => s.KindString));
    }
    [Fact]
    public void GreedyDecoder_PicksTheLowestLossToken_AndBatchingDoesNotChangeTheDecode()
    {
        var dir = Path.Combine(_dir, "model");
        RandomCheckpoint.Create(new CheckpointRecipe { Vocab = 32, Hidden = 32, Layers = 2, Heads = 4, KvHeads = 2, Intermediate = 64, MaxPositions = 64, Seed = 11 }, dir);
        using var model = CausalLm.Load(dir);
        int[][] prompts = [[0, 5, 9, 3], [0, 7], [0, 1, 2, 3, 4, 5, 6]];

        // Independent path: the loss of every candidate next token through TokenLosses; the argmax is the lowest loss.
        var next = GreedyDecoder.NextTokens(model, prompts);
        for (var p = 0; p < prompts.Length; p++)
        {
            var candidates = Enumerable.Range(0, model.VocabSize).Select(v => prompts[p].Append(v).ToArray()).ToList();
            var losses = model.TokenLosses(candidates);
            var best = Enumerable.Range(0, model.VocabSize).MinBy(v => losses[v][^1]);
            Assert.Equal(best, next[p]);
        }

        // Right padding in one batch decodes as each prompt alone.
        var together = GreedyDecoder.Generate(model, prompts, 6, stopToken: 2);
        for (var p = 0; p < prompts.Length; p++)
        {
            Assert.Equal(GreedyDecoder.Generate(model, [prompts[p]], 6, stopToken: 2)[0], together[p]);
        }
    }
}
