using System.CommandLine;
using System.Text;
using System.Text.Json;
using Apache.Arrow;
using TokenClean.Cli;
using TokenClean.Embedded.Models;
using TokenClean.Scoring.Selection;
using TokenClean.Sink.Lake;

namespace TokenClean.Service.Tests.Evolution;

/// <summary>
/// <c>tokenclean evolve</c> as a user runs it, on tiny random checkpoints the test makes: the loop end to end
/// (v0..v2 complete, rows naming the version that scored them, top k within each chunk, the summary), base losses
/// computed once and reused across runs with identical output, resume, and the bad situations of issue 14.
/// </summary>
[Collection("libtorch")]
public sealed class EvolveCommandTests : IDisposable
{
    private const int Vocab = 64;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-evolve-" + Guid.NewGuid().ToString("N")[..12]);

    public EvolveCommandTests()
    {
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Evolve_TwoChunksWithWarmup_PublishesV0ToV2_RowsNameTheirVersion_TopKWithinEachChunk()
    {
        var baseDir = Checkpoint("base", seed: 1);
        var input = Samples("input.jsonl", count: 20, seed: 5);
        var warmup = Samples("warmup.jsonl", count: 6, seed: 9);
        var outDir = Path.Combine(_dir, "out");

        var (exit, stdout, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", outDir, "--warmup", warmup, "--chunks", "2", "--keep", "0.6", .. Tiny]);
        Assert.True(exit == 0, stderr);

        foreach (var v in new[] { "v0", "v1", "v2" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, "reference", v, "_COMPLETE")), $"{v} is not a complete checkpoint");
            Assert.True(File.Exists(Path.Combine(outDir, "reference", v, "model.safetensors")));
        }

        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Path.Combine(outDir, "reference")), p => Path.GetFileName(p).StartsWith('.')); // no state or temp folder left
        Assert.Contains("evolve: round 1/2", stderr, StringComparison.Ordinal);
        Assert.Contains("evolve: round 2/2", stderr, StringComparison.Ordinal);

        for (var t = 1; t <= 2; t++)
        {
            var rows = ReadChunk(Path.Combine(outDir, "chunks", $"chunk-{t}.arrow"));
            Assert.Equal(10, rows.Count);
            Assert.All(rows, r => Assert.Equal($"v{t - 1}", r.RefVersion));
            var response = rows.Sum(r => r.ResponseTokens);
            Assert.Equal(GlobalTopK.KeepCount(0.6, response), rows.Sum(r => r.Kept)); // int(0.6 × the chunk's tokens), ranked within the chunk
            Assert.All(rows, r => Assert.Equal(r.Labels.Count(l => l != -100), r.Kept));
            Assert.All(rows, r => Assert.NotNull(r.BaseLoss)); // base losses kept with the rows
        }

        var lastLine = stdout.TrimEnd().Split('\n')[^1];
        using var final = JsonDocument.Parse(lastLine);
        var summaryPath = final.RootElement.GetProperty("summary").GetString()!;
        Assert.Equal(Path.Combine(outDir, "evolve-summary.json"), summaryPath);
        Assert.Contains("kept ratio", stdout, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(File.ReadAllText(summaryPath));
        var rounds = summary.RootElement.GetProperty("rounds");
        Assert.Equal(2, rounds.GetArrayLength());
        Assert.Equal("v0", rounds[0].GetProperty("reference_version").GetString());
        Assert.Equal("v1", rounds[0].GetProperty("trained_version").GetString());
        Assert.Equal("v2", rounds[1].GetProperty("trained_version").GetString());
        Assert.True(rounds[1].GetProperty("training_seconds").GetDouble() > 0);
        Assert.True(rounds[1].GetProperty("scoring_seconds").GetDouble() > 0);
        Assert.True(double.IsFinite(rounds[1].GetProperty("training_loss_last").GetDouble()));
        Assert.Equal(10, rounds[0].GetProperty("base_passes_computed").GetInt64());
        Assert.Equal("v0", summary.RootElement.GetProperty("warmup").GetProperty("trained_version").GetString());

        // The round-2 reference is really v1: its losses differ from v0's (training changed it).
        var chunk2 = ReadChunk(Path.Combine(outDir, "chunks", "chunk-2.arrow"));
        using var v0 = Scoring.Models.CausalLm.Load(Path.Combine(outDir, "reference", "v0"));
        using var v1 = Scoring.Models.CausalLm.Load(Path.Combine(outDir, "reference", "v1"));
        var probe = chunk2[0].InputIds;
        var byV1 = v1.TokenLosses([probe])[0];
        Assert.NotEqual(v0.TokenLosses([probe])[0][^1], byV1[^1]);
        Assert.Equal(byV1[^1], chunk2[0].RefLoss![^1], 4);

        // Killed between rounds and started again: every round is reused, nothing recomputed, same summary.
        File.Delete(summaryPath);
        (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", outDir, "--warmup", warmup, "--chunks", "2", "--keep", "0.6", .. Tiny]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("round 1/2: complete in an earlier run", stderr, StringComparison.Ordinal);
        Assert.Contains("v0: complete in an earlier run", stderr, StringComparison.Ordinal);
        using (var again = JsonDocument.Parse(File.ReadAllText(summaryPath)))
        {
            Assert.Equal(0, again.RootElement.GetProperty("base_losses").GetProperty("computed_this_run").GetInt64());
        }

        // Other settings into the same OUT are refused (the rounds would mix).
        (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", outDir, "--warmup", warmup, "--chunks", "2", "--keep", "0.5", .. Tiny]);
        Assert.Equal(2, exit);
        Assert.Contains("other settings", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evolve_SecondRunWithTheStore_RunsNoBasePass_AndWritesIdenticalChunks()
    {
        var baseDir = Checkpoint("base", seed: 1);
        var refDir = Checkpoint("ref", seed: 2);
        var input = Samples("input.jsonl", count: 16, seed: 3);
        var first = Path.Combine(_dir, "first");
        var (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", first, "--ref", refDir, "--chunks", "2", .. Tiny]);
        Assert.True(exit == 0, stderr);
        Assert.Equal((16, 0), BasePasses(first));

        var second = Path.Combine(_dir, "second");
        (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", second, "--ref", refDir, "--chunks", "2", "--base-losses", Path.Combine(first, "base-losses"), .. Tiny]);
        Assert.True(exit == 0, stderr);
        Assert.Equal((0, 16), BasePasses(second));

        var third = Path.Combine(_dir, "third");
        (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", third, "--ref", refDir, "--chunks", "2", "--base-losses", Path.Combine(first, "base-losses"), "--no-base-loss-reuse", .. Tiny]);
        Assert.True(exit == 0, stderr);
        Assert.Equal((16, 0), BasePasses(third));

        for (var t = 1; t <= 2; t++)
        {
            var a = ReadChunk(Path.Combine(first, "chunks", $"chunk-{t}.arrow"));
            foreach (var other in new[] { second, third })
            {
                var b = ReadChunk(Path.Combine(other, "chunks", $"chunk-{t}.arrow"));
                Assert.Equal(a.Select(r => r.Labels), b.Select(r => r.Labels));
                Assert.Equal(a.Select(r => r.Influence), b.Select(r => r.Influence));
                Assert.Equal(a.Select(r => r.BaseLoss), b.Select(r => r.BaseLoss));
            }
        }

        // clean given the store skips its base passes too, with the same scores.
        var cleaned = Path.Combine(_dir, "cleaned");
        (exit, _, stderr) = await Run(["clean", "--input", input, "--base", baseDir, "--ref", refDir, "--out", cleaned, "--base-losses", Path.Combine(first, "base-losses"), "--emit-losses"]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("16 records reused", stderr, StringComparison.Ordinal);
        Assert.Contains("0 computed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evolve_WarmupWithoutResponseTokens_ExitsTwoAndWritesNoVersion()
    {
        var baseDir = Checkpoint("base", seed: 1);
        var input = Samples("input.jsonl", count: 4, seed: 3);
        var warmup = Path.Combine(_dir, "empty-warmup.jsonl");
        File.WriteAllText(warmup, "{\"input_ids\": [1, 2, 3], \"labels\": [-100, -100, -100]}\n{\"input_ids\": [4, 5], \"labels\": [-100, -100]}\n");
        var outDir = Path.Combine(_dir, "out");

        var (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", outDir, "--warmup", warmup, "--chunks", "2", .. Tiny]);
        Assert.Equal(2, exit);
        Assert.Contains("warm-up set", stderr, StringComparison.Ordinal);
        Assert.Contains("no response token", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(outDir, "reference", "v0")));
        Assert.False(File.Exists(Path.Combine(outDir, "evolve-summary.json")));
    }

    [Fact]
    public async Task Evolve_ReferenceThatFailsToLoad_ExitsTwoNamingIt_AndWritesNoVersion()
    {
        var baseDir = Checkpoint("base", seed: 1);
        var input = Samples("input.jsonl", count: 4, seed: 3);
        var broken = Path.Combine(_dir, "broken-ref");
        Directory.CreateDirectory(broken);
        File.Copy(Path.Combine(baseDir, "config.json"), Path.Combine(broken, "config.json"));
        File.WriteAllBytes(Path.Combine(broken, "model.safetensors"), Encoding.UTF8.GetBytes("not a safetensors file"));
        var outDir = Path.Combine(_dir, "out");

        var (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", outDir, "--ref", broken, "--chunks", "2", .. Tiny]);
        Assert.Equal(2, exit);
        Assert.Contains("cannot load the reference", stderr, StringComparison.Ordinal);
        Assert.Contains("broken-ref", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(outDir, "reference")));
        Assert.False(Directory.Exists(Path.Combine(outDir, "rounds")));
    }

    [Fact]
    public async Task Evolve_ChunkThatCleansToNothing_SkipsTrainingCleanly_AndScoresTheNextChunkWithTheSameReference()
    {
        var baseDir = Checkpoint("base", seed: 1);
        var refDir = Checkpoint("ref", seed: 2);
        var input = Samples("input.jsonl", count: 8, seed: 3);
        var outDir = Path.Combine(_dir, "out");

        var (exit, stdout, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", outDir, "--ref", refDir, "--chunks", "2", "--selection", "threshold", "--threshold", "1e9", .. Tiny]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("cleaned to no trainable token", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(outDir, "reference", "v1")));
        Assert.False(Directory.Exists(Path.Combine(outDir, "reference", "v2")));
        Assert.All(ReadChunk(Path.Combine(outDir, "chunks", "chunk-2.arrow")), r => Assert.Equal("ref", r.RefVersion));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "evolve-summary.json")));
        foreach (var round in summary.RootElement.GetProperty("rounds").EnumerateArray())
        {
            Assert.Equal(0, round.GetProperty("kept_tokens").GetInt64());
            Assert.Equal(JsonValueKind.Null, round.GetProperty("trained_version").ValueKind);
            Assert.Contains("not trained", round.GetProperty("skipped").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains("\"final_reference\"", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evolve_OneChunk_IsFixedModelCleaning_WithNoTraining()
    {
        var baseDir = Checkpoint("base", seed: 1);
        var refDir = Checkpoint("ref", seed: 2);
        var input = Samples("input.jsonl", count: 6, seed: 3);
        var outDir = Path.Combine(_dir, "out");

        var (exit, _, stderr) = await Run(["evolve", "--input", input, "--base", baseDir, "--out", outDir, "--ref", refDir, "--chunks", "1", .. Tiny]);
        Assert.True(exit == 0, stderr);
        Assert.False(Directory.Exists(Path.Combine(outDir, "reference")));
        var rows = ReadChunk(Path.Combine(outDir, "chunks", "chunk-1.arrow"));
        Assert.Equal(GlobalTopK.KeepCount(0.6, rows.Sum(r => r.ResponseTokens)), rows.Sum(r => r.Kept));
    }

    /// <summary>Training options that keep each fine-tuning to a few steps on the tiny model.</summary>
    private static readonly string[] Tiny = ["--lora-rank", "4", "--max-steps", "3", "--lr", "1e-2", "--save-every", "1", "--warmup-ratio", "0"];

    private (long Computed, long Reused) BasePasses(string outDir)
    {
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "evolve-summary.json")));
        var b = summary.RootElement.GetProperty("base_losses");
        return (b.GetProperty("computed_this_run").GetInt64(), b.GetProperty("reused_this_run").GetInt64());
    }

    private string Checkpoint(string name, long seed)
    {
        var dir = Path.Combine(_dir, name);
        RandomCheckpoint.Create(new CheckpointRecipe { Hidden = 32, Vocab = Vocab, Intermediate = 64, Seed = seed }, dir);
        return dir;
    }

    /// <summary>Pre-tokenized samples: a 2–4 token prompt and a 4–10 token response.</summary>
    private string Samples(string name, int count, int seed)
    {
        var random = new Random(seed);
        var path = Path.Combine(_dir, name);
        var lines = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var prompt = random.Next(2, 5);
            var ids = Enumerable.Range(0, prompt + random.Next(4, 11)).Select(_ => random.Next(0, Vocab)).ToArray();
            var labels = ids.Select((id, j) => j < prompt ? -100 : id).ToArray();
            lines.Add(JsonSerializer.Serialize(new { id = $"{name}-{i}", input_ids = ids, labels }));
        }

        File.WriteAllLines(path, lines);
        return path;
    }

    internal sealed record Row(string RefVersion, int[] InputIds, int[] Labels, float[] Influence, int ResponseTokens, int Kept, float Threshold, float[]? BaseLoss, float[]? RefLoss, float[]? SoftWeight);

    /// <summary>Reads a cleaned file back with Apache.Arrow (or ParquetSharp for .parquet) through the lake reader.</summary>
    internal static List<Row> ReadChunk(string path)
    {
        var (schema, batches) = LakeFileReader.ReadAll(path);
        var rows = new List<Row>();
        foreach (var batch in batches)
        {
            using (batch)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    rows.Add(new Row(
                        ((StringArray)batch.Column("ref_model_version")).GetString(i),
                        Ints(batch.Column("input_ids"), i),
                        Ints(batch.Column("labels"), i),
                        Floats(batch.Column("influence"), i)!,
                        ((Int32Array)batch.Column("response_tokens")).GetValue(i)!.Value,
                        ((Int32Array)batch.Column("kept_tokens")).GetValue(i)!.Value,
                        ((FloatArray)batch.Column("threshold")).GetValue(i)!.Value,
                        schema.GetFieldIndex("base_loss") >= 0 ? Floats(batch.Column("base_loss"), i) : null,
                        schema.GetFieldIndex("ref_loss") >= 0 ? Floats(batch.Column("ref_loss"), i) : null,
                        schema.GetFieldIndex("soft_weight") >= 0 ? Floats(batch.Column("soft_weight"), i) : null));
                }
            }
        }

        return rows;
    }

    private static int[] Ints(IArrowArray column, int row)
    {
        var list = (ListArray)column;
        var values = (Int32Array)list.Values;
        var start = list.ValueOffsets[row];
        return Enumerable.Range(start, list.ValueOffsets[row + 1] - start).Select(k => values.GetValue(k)!.Value).ToArray();
    }

    private static float[]? Floats(IArrowArray column, int row)
    {
        var list = (ListArray)column;
        var values = (FloatArray)list.Values;
        var start = list.ValueOffsets[row];
        return Enumerable.Range(start, list.ValueOffsets[row + 1] - start).Select(k => values.GetValue(k)!.Value).ToArray();
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> Run(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
