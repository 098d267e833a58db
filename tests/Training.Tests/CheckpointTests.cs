using System.Text.Json;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Training.Checkpoints;

namespace TokenClean.Training.Tests;

/// <summary>
/// A published checkpoint is complete (config, weights in the base's dtype, tokenizer files, marker last, no
/// temporary folder left) and reloads with the trained model's scores.
/// </summary>
[Collection("libtorch")]
public sealed class CheckpointTests
{
    [Fact]
    public void FullFineTune_Published_ReloadsWithIdenticalTokenLosses()
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"), "qwen3");
        File.WriteAllText(Path.Combine(baseDir, "tokenizer.json"), "{\"stand-in\": true}");
        File.WriteAllText(Path.Combine(baseDir, "tokenizer_config.json"), "{}");
        var samples = TrainingFixtures.Samples(6);
        var sequences = samples.Select(s => s.InputIds).ToArray();
        using var model = CausalLm.Load(baseDir);
        var baseLosses = model.TokenLosses(sequences);
        using var trainer = new Trainer(model, new TrainingOptions { Mode = FineTuneMode.Full, MaxSteps = 3, LearningRate = 1e-3, BatchSize = 2 });
        trainer.Train(samples);
        var trained = model.TokenLosses(sequences);
        var outDir = Path.Combine(dir.Path, "refs", "v1");
        trainer.Publish(baseDir, outDir);

        using var reloaded = CausalLm.Load(outDir);
        var again = reloaded.TokenLosses(sequences);
        for (var i = 0; i < sequences.Length; i++)
        {
            Assert.Equal(trained[i][1..], again[i][1..]); // bit for bit: fp32 masters written as F32
            Assert.NotEqual(baseLosses[i][1..], again[i][1..]);
        }

        AssertComplete(baseDir, outDir);
        Assert.Equal(File.ReadAllText(Path.Combine(baseDir, "tokenizer.json")), File.ReadAllText(Path.Combine(outDir, "tokenizer.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(baseDir, "config.json")), File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.Single(Directory.EnumerateFileSystemEntries(Path.Combine(dir.Path, "refs"))); // no temporary folder left

        var e = Assert.Throws<IOException>(() => trainer.Publish(baseDir, outDir));
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoraOnBf16Base_PublishedMerged_KeepsBf16_AndScoresAsTheAdaptedModel()
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"), "llama", dtype: Scoring.DType.BFloat16);
        var samples = TrainingFixtures.Samples(6);
        var sequences = samples.Select(s => s.InputIds).ToArray();
        using var model = CausalLm.Load(baseDir); // fp32 compute over bf16 weights
        using var trainer = new Trainer(model, new TrainingOptions { MaxSteps = 4, LearningRate = 5e-3, LoraRank = 4, LoraAlpha = 8, LoraDropout = 0.1, BatchSize = 2 });
        trainer.Train(samples);
        var adapted = model.TokenLosses(sequences);
        var outDir = Path.Combine(dir.Path, "v1");
        trainer.Publish(baseDir, outDir);

        // Every tensor stays bf16; adapted ones hold bf16(W + (α/r)·B·A) exactly, the others the base's bytes.
        var merged = trainer.TrainedWeights(baseDir);
        using (var files = CheckpointFiles.Open(outDir))
        using (var baseFiles = CheckpointFiles.Open(baseDir))
        {
            Assert.Equal(baseFiles.Tensors.Keys.Order(), files.Tensors.Keys.Order());
            foreach (var (name, file) in files.Tensors)
            {
                var entry = file.Entries[name];
                Assert.Equal(Scoring.DType.BFloat16, entry.DType);
                var bytes = file.RawBytes(entry).ToArray();
                if (merged.TryGetValue(name, out var w))
                {
                    Assert.Equal(HalfBits.Encode(w.data<float>().ToArray(), Scoring.DType.BFloat16), bytes);
                    w.Dispose();
                }
                else
                {
                    var baseFile = baseFiles.Tensors[name];
                    Assert.Equal(baseFile.RawBytes(baseFile.Entries[name]).ToArray(), bytes);
                }
            }
        }

        Assert.Equal(14, merged.Count); // 7 projections x 2 layers

        using var reloaded = CausalLm.Load(outDir);
        var again = reloaded.TokenLosses(sequences);
        var worst = 0.0;
        for (var i = 0; i < sequences.Length; i++)
        {
            for (var j = 1; j < again[i].Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(adapted[i][j] - again[i][j]));
            }
        }

        // The merged weights are rounded to bf16 on the way to disk (2⁻⁹ relative per weight): losses move by a few 1e-2.
        Assert.True(worst <= 5e-2, $"max |Δ loss| {worst} between the adapted model and its bf16 merged checkpoint");
        AssertComplete(baseDir, outDir);
    }

    private static void AssertComplete(string baseDir, string outDir)
    {
        var marker = new FileInfo(Path.Combine(outDir, CheckpointPublisher.MarkerFileName));
        Assert.True(marker.Exists);
        foreach (var f in new DirectoryInfo(outDir).EnumerateFiles())
        {
            Assert.True(f.LastWriteTimeUtc <= marker.LastWriteTimeUtc, $"{f.Name} was written after the marker");
        }

        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "tokenclean_training.json")));
        Assert.Equal(Path.GetFullPath(baseDir), info.RootElement.GetProperty("base").GetString());
        Assert.Equal(ModelConfig.Load(baseDir).Describe(), ModelConfig.Load(outDir).Describe());
    }
}
