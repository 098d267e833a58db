using System.CommandLine;
using System.Text.Json;
using TokenClean.Cli;
using TokenClean.Embedded.Models;
using TokenClean.Sink.Lake;

namespace TokenClean.Service.Tests.Evolution;

/// <summary>
/// The selection options of issue 14 through <c>clean</c>, read back with the real readers (Apache.Arrow for .arrow,
/// ParquetSharp for .parquet): the fixed threshold, the minimum kept per sample, the soft-weight column.
/// </summary>
[Collection("libtorch")]
public sealed class SelectionOptionsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-selection-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _base;
    private readonly string _ref;
    private readonly string _input;

    public SelectionOptionsTests()
    {
        Directory.CreateDirectory(_dir);
        _base = Path.Combine(_dir, "base");
        _ref = Path.Combine(_dir, "ref");
        RandomCheckpoint.Create(new CheckpointRecipe { Hidden = 32, Vocab = 64, Intermediate = 64, Seed = 1 }, _base);
        RandomCheckpoint.Create(new CheckpointRecipe { Hidden = 32, Vocab = 64, Intermediate = 64, Seed = 2 }, _ref);
        var random = new Random(7);
        var lines = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var prompt = random.Next(1, 4);
            var ids = Enumerable.Range(0, prompt + random.Next(3, 12)).Select(_ => random.Next(0, 64)).ToArray();
            lines.Add(JsonSerializer.Serialize(new { id = $"s{i}", input_ids = ids, labels = ids.Select((id, j) => j < prompt ? -100 : id).ToArray() }));
        }

        _input = Path.Combine(_dir, "input.jsonl");
        File.WriteAllLines(_input, lines);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Clean_FixedThreshold_KeepsExactlyTheTokensAtOrAboveIt()
    {
        var rows = await Clean("threshold", ["--selection", "threshold", "--threshold", "0.25"]);
        var kept = 0;
        foreach (var r in rows)
        {
            Assert.Equal(0.25f, r.Threshold);
            for (var j = 0; j < r.InputIds.Length; j++)
            {
                var expected = !float.IsNaN(r.Influence[j]) && r.Influence[j] >= 0.25f;
                Assert.Equal(expected ? r.InputIds[j] : -100, r.Labels[j]);
                kept += expected ? 1 : 0;
            }
        }

        Assert.InRange(kept, 1, rows.Sum(r => r.ResponseTokens) - 1); // the threshold cuts inside the scores, so the check is not vacuous
    }

    [Fact]
    public async Task Clean_MinKeptPerSample_GivesEverySampleItsBestTokens_OnTopOfGlobalTopK()
    {
        var plain = await Clean("plain", ["--keep", "0.1"]);
        Assert.Contains(plain, r => r.Kept == 0); // global top-10% erases some samples entirely
        var rows = await Clean("min", ["--keep", "0.1", "--min-kept-per-sample", "2"]);
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            Assert.True(r.Kept >= Math.Min(2, r.ResponseTokens), $"{r.Kept} kept of {r.ResponseTokens}");
            Assert.Equal(Math.Max(plain[i].Kept, Math.Min(2, r.ResponseTokens)), r.Kept);
            for (var j = 0; j < r.Labels.Length; j++)
            {
                if (plain[i].Labels[j] != -100)
                {
                    Assert.Equal(plain[i].Labels[j], r.Labels[j]); // what global top-k kept stays kept
                }
            }

            // The added tokens are the sample's best: no dropped token scores above a kept one.
            var keptMin = Enumerable.Range(0, r.Labels.Length).Where(j => r.Labels[j] != -100).Select(j => r.Influence[j]).DefaultIfEmpty(float.PositiveInfinity).Min();
            var droppedMax = Enumerable.Range(0, r.Labels.Length).Where(j => r.Labels[j] == -100 && !float.IsNaN(r.Influence[j])).Select(j => r.Influence[j]).DefaultIfEmpty(float.NegativeInfinity).Max();
            Assert.True(droppedMax <= keptMin, $"sample {i}: dropped {droppedMax} > kept {keptMin}");
        }
    }

    [Theory]
    [InlineData("arrow")]
    [InlineData("parquet")]
    public async Task Clean_SoftWeights_WritesTheDocumentedMap_ReadBackByTheRealReaders(string format)
    {
        var rows = await Clean("soft-" + format, ["--soft-weights", "--soft-temperature", "0.5", "--format", format]);
        var checkedTokens = 0;
        foreach (var r in rows)
        {
            Assert.NotNull(r.SoftWeight);
            Assert.Equal(r.InputIds.Length, r.SoftWeight!.Length);
            for (var j = 0; j < r.InputIds.Length; j++)
            {
                if (float.IsNaN(r.Influence[j]))
                {
                    Assert.Equal(0f, r.SoftWeight[j]);
                    continue;
                }

                var expected = 1.0 / (1.0 + Math.Exp(-(r.Influence[j] - (double)r.Threshold) / 0.5));
                Assert.Equal(expected, r.SoftWeight[j], 5);
                Assert.Equal(r.Labels[j] != -100, r.SoftWeight[j] >= 0.5f); // kept ⇔ weight ≥ 0.5 (global top-k: kept ⇔ influence ≥ threshold)
                checkedTokens++;
            }
        }

        Assert.True(checkedTokens > 50);
        var (schema, batches) = LakeFileReader.ReadAll(Path.Combine(_dir, "soft-" + format, "input." + format));
        batches.ForEach(b => b.Dispose());
        Assert.Equal("soft_weight", schema.FieldsList[^1].Name);
        Assert.Contains("sigmoid", schema.Metadata["tokenclean.soft_weight_map"], StringComparison.Ordinal);
    }

    private async Task<List<EvolveCommandTests.Row>> Clean(string name, string[] extra)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var outDir = Path.Combine(_dir, name);
        var exit = await CommandLine.Build().Parse(["clean", "--input", _input, "--base", _base, "--ref", _ref, "--out", outDir, .. extra])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(exit == 0, error.ToString());
        var file = Directory.GetFiles(outDir, "input.*").Single(f => f.EndsWith(".arrow", StringComparison.Ordinal) || f.EndsWith(".parquet", StringComparison.Ordinal));
        return EvolveCommandTests.ReadChunk(file);
    }
}
