using TokenClean.Scoring;
using TokenClean.Scoring.Models;

namespace TokenClean.Training.Tests;

/// <summary>Training, saving, resuming and publishing leave no tensor alive once the trainer and model are disposed.</summary>
[Collection("libtorch")]
public sealed class TensorLifetimeTests
{
    [Theory]
    [InlineData(FineTuneMode.Lora)]
    [InlineData(FineTuneMode.Full)]
    public void TrainSaveResumePublish_ThenDispose_ReturnsTheLiveTensorCountToItsBaseline(FineTuneMode mode)
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"));
        var samples = TrainingFixtures.Samples(4);
        var options = new TrainingOptions { Mode = mode, MaxSteps = 4, LoraRank = 4, BatchSize = 2 };
        Settle();
        var baseline = Torch.LiveTensors;
        using (var model = CausalLm.Load(baseDir))
        using (var trainer = new Trainer(model, options))
        {
            trainer.Train(samples, dir.Sub("state"), saveEvery: 2);
        }

        using (var model = CausalLm.Load(baseDir))
        using (var trainer = new Trainer(model, options))
        {
            trainer.Train(samples, dir.Sub("state"), saveEvery: 2); // resumes the finished state: restores, trains nothing
            trainer.Publish(baseDir, dir.Sub("out"));
            trainer.MergeAdapters();
        }

        Settle();
        Assert.Equal(baseline, Torch.LiveTensors);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
