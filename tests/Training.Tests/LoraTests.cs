using TokenClean.Scoring.Models;
using TorchSharp;

namespace TokenClean.Training.Tests;

/// <summary>LoRA: starts at the base model, merges into exactly the function it computed, finds its targets by name.</summary>
[Collection("libtorch")]
public sealed class LoraTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void MergedWeights_ScoreAsTheUnmergedAdapters(string variant)
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"), variant);
        var samples = TrainingFixtures.Samples(6);
        var sequences = samples.Select(s => s.InputIds).ToArray();
        using var model = CausalLm.Load(baseDir);
        var baseLosses = model.TokenLosses(sequences);
        var targets = variant == "gpt2" ? new[] { "c_attn", "c_proj", "c_fc" } : ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
        using var trainer = new Trainer(model, new TrainingOptions { MaxSteps = 3, LearningRate = 1e-2, LoraRank = 4, LoraAlpha = 16, LoraTargets = targets, BatchSize = 3 });

        // B = 0 at the start: the adapted model is the base model.
        Assert.Equal(baseLosses, model.TokenLosses(sequences));
        trainer.Train(samples);
        var adapted = model.TokenLosses(sequences);
        trainer.MergeAdapters();
        var merged = model.TokenLosses(sequences);

        var worst = 0.0;
        var moved = 0.0;
        for (var i = 0; i < sequences.Length; i++)
        {
            for (var j = 1; j < sequences[i].Length; j++)
            {
                worst = Math.Max(worst, Math.Abs(adapted[i][j] - merged[i][j]));
                moved = Math.Max(moved, Math.Abs(adapted[i][j] - baseLosses[i][j]));
            }
        }

        Assert.True(moved > 1e-2, $"training moved the losses by only {moved}");
        Assert.True(worst <= 1e-5, $"max |Δ loss| {worst} between adapters and merged weights");
    }

    [Fact]
    public void Attach_TargetThatMatchesNothing_NamesTheProjectionsThatExist()
    {
        using var dir = new TempDirectory();
        using var model = CausalLm.Load(TrainingFixtures.Checkpoint(dir.Sub("base")));
        var e = Assert.Throws<TrainingException>(() => new Trainer(model, new TrainingOptions { LoraRank = 4, LoraTargets = ["q_proj", "c_attn"] }));
        Assert.Contains("c_attn", e.Message, StringComparison.Ordinal);
        Assert.Contains("q_proj, up_proj, v_proj", e.Message, StringComparison.Ordinal);
        Assert.All(model.Module.named_modules(), m => Assert.True(m.module is not LinearLayer l || l.Delta is null)); // nothing left attached
    }

    [Fact]
    public void Adapters_KeepTheModelsParameterNames_AndInitialiseASeeded()
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"));
        using var model = CausalLm.Load(baseDir);
        var names = model.Module.named_parameters().Select(p => p.name).ToList();
        float[] a1;
        using (var trainer = new Trainer(model, new TrainingOptions { LoraRank = 4, Seed = 3 }))
        {
            Assert.Equal(names, model.Module.named_parameters().Select(p => p.name).ToList());
            var first = trainer.Adapters!.Adapters[0];
            Assert.Equal("model.layers.0.self_attn.q_proj", first.Module);
            a1 = first.A.detach().data<float>().ToArray();
            var bound = 1 / Math.Sqrt(first.InFeatures);
            Assert.All(a1, v => Assert.InRange(v, -bound, bound));
            Assert.All(first.B.detach().data<float>().ToArray(), v => Assert.Equal(0f, v));
        }

        using var again = new Trainer(model, new TrainingOptions { LoraRank = 4, Seed = 3 });
        Assert.Equal(a1, again.Adapters!.Adapters[0].A.detach().data<float>().ToArray());
        using var other = CausalLm.Load(baseDir);
        using var seeded = new Trainer(other, new TrainingOptions { LoraRank = 4, Seed = 4 });
        Assert.NotEqual(a1, seeded.Adapters!.Adapters[0].A.detach().data<float>().ToArray());
    }
}
