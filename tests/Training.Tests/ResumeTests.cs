using TokenClean.Core.Samples;
using TokenClean.Scoring.Models;
using TokenClean.Training.State;

namespace TokenClean.Training.Tests;

/// <summary>
/// Killed after a saved step and started again with the same arguments, a run continues from its last saved step:
/// the same sample order (none trained twice or skipped) and the same final weights as an uninterrupted run.
/// </summary>
[Collection("libtorch")]
public sealed class ResumeTests
{
    [Theory]
    [InlineData(FineTuneMode.Lora)]
    [InlineData(FineTuneMode.Full)]
    public void KilledAfterStepFive_ResumesFromStepFour_AndEndsAsAnUninterruptedRun(FineTuneMode mode)
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"));
        var samples = TrainingFixtures.Samples(7, seed: 8);

        // 7 samples, batch 2: 4 steps per epoch (the last has one sample); 9 steps cross two epoch boundaries.
        var options = new TrainingOptions { Mode = mode, MaxSteps = 9, LearningRate = 5e-3, BatchSize = 2, LoraRank = 4, LoraDropout = 0.2, WarmupRatio = 0.2, Seed = 5 };
        var (expectedOrder, expectedWeights) = Run(baseDir, samples, options, dir.Sub("state-a"), killAfter: null);

        var state = dir.Sub("state-b");
        var (firstOrder, _) = Run(baseDir, samples, options, state, killAfter: 5);
        Assert.Equal(4, TrainerStateStore.Peek(state)!.Step);
        var (restOrder, weights) = Run(baseDir, samples, options, state, killAfter: null);

        Assert.Equal(expectedOrder, firstOrder.Take(4).Concat(restOrder).ToList());
        Assert.Equal(9, expectedOrder.Count);
        foreach (var (name, expected) in expectedWeights)
        {
            var worst = expected.Zip(weights[name], (e, a) => Math.Abs(e - a)).Max();
            Assert.True(worst <= 1e-6, $"{name}: max |Δ| {worst} between the resumed and the uninterrupted run");
        }

        // Within each epoch every sample is trained exactly once.
        var flat = expectedOrder.SelectMany(s => s).ToList();
        Assert.Equal(Enumerable.Range(0, 7), flat.Take(7).Order());
        Assert.Equal(Enumerable.Range(0, 7), flat.Skip(7).Take(7).Order());
    }

    [Fact]
    public void SavedState_OfAnotherRun_IsRefusedWithTheDifference()
    {
        using var dir = new TempDirectory();
        var baseDir = TrainingFixtures.Checkpoint(dir.Sub("base"));
        var samples = TrainingFixtures.Samples(4);
        var state = dir.Sub("state");
        Run(baseDir, samples, new TrainingOptions { MaxSteps = 2, LoraRank = 4 }, state, killAfter: null);
        var e = Assert.Throws<TrainingException>(() => Run(baseDir, samples, new TrainingOptions { MaxSteps = 2, LoraRank = 4, LearningRate = 1e-3 }, state, killAfter: null));
        Assert.Contains("another run", e.Message, StringComparison.Ordinal);
        Assert.Contains("lr=0.001", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_CalledTwice_IsRefused()
    {
        using var dir = new TempDirectory();
        using var model = CausalLm.Load(TrainingFixtures.Checkpoint(dir.Sub("base")));
        using var trainer = new Trainer(model, new TrainingOptions { MaxSteps = 1, LoraRank = 4 });
        var samples = TrainingFixtures.Samples(2);
        trainer.Train(samples);
        Assert.Throws<InvalidOperationException>(() => trainer.Train(samples));
    }

    private static (List<int[]> Order, Dictionary<string, float[]> Weights) Run(string baseDir, List<Core.Samples.TokenizedSample> samples, TrainingOptions options, string state, int? killAfter)
    {
        using var model = CausalLm.Load(baseDir);
        using var trainer = new Trainer(model, options);
        using var kill = new CancellationTokenSource();
        var order = new List<int[]>();
        try
        {
            trainer.Train(samples, state, saveEvery: 2, onStep: s =>
            {
                order.Add([.. s.Samples]);
                if (s.Step == killAfter)
                {
                    kill.Cancel();
                }
            }, kill.Token);
            Assert.Null(killAfter);
        }
        catch (OperationCanceledException) when (killAfter is not null)
        {
            // the simulated kill: nothing after the last save survives
        }

        return (order, trainer.TrainedParameters.ToDictionary(p => p.Name, p => p.Parameter.detach().data<float>().ToArray()));
    }
}
