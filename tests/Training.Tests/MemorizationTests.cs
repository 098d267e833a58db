using TokenClean.Scoring.Models;

namespace TokenClean.Training.Tests;

/// <summary>Training learns: on 8 samples, 30 steps cut the models' own response-token loss by more than half.</summary>
[Collection("libtorch")]
public sealed class MemorizationTests
{
    [Theory]
    [InlineData(FineTuneMode.Full, 3e-3, false)]
    [InlineData(FineTuneMode.Lora, 1e-2, false)]
    [InlineData(FineTuneMode.Full, 3e-3, true)]
    [InlineData(FineTuneMode.Lora, 1e-2, true)]
    public void ThirtySteps_OnEightSamples_HalveTheLoss(FineTuneMode mode, double lr, bool bf16)
    {
        var dtype = bf16 ? Scoring.DType.BFloat16 : Scoring.DType.Float32;
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"));
        var samples = TrainingFixtures.Samples(8, seed: 21);
        using var model = CausalLm.Load(baseDir, "cpu", dtype); // bf16: weights and activations bf16, fp32 masters
        var before = TrainingFixtures.MeanResponseLoss(model, samples);
        var options = new TrainingOptions
        {
            Mode = mode,
            MaxSteps = 30,
            LearningRate = lr,
            BatchSize = 4,
            LoraRank = 8,
            LoraAlpha = 16,
            LoraDropout = 0,
            WarmupRatio = 0.1,
            DType = dtype,
        };
        var losses = new List<double>();
        using var trainer = new Trainer(model, options);
        var result = trainer.Train(samples, onStep: s => losses.Add(s.Loss));
        var after = TrainingFixtures.MeanResponseLoss(model, samples);

        Assert.Equal(30, result.Steps);
        Assert.Equal(30, losses.Count);
        Assert.True(after < 0.5 * before, $"{mode} {dtype}: mean response loss {before:F3} → {after:F3} after 30 steps (losses: {string.Join(", ", losses.Select(l => l.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))})");
        Assert.True(losses[^1] < 0.5 * losses[0], $"training loss {losses[0]:F3} → {losses[^1]:F3}");
    }
}
