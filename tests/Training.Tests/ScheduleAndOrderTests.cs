using TokenClean.Training.Optimization;

namespace TokenClean.Training.Tests;

public sealed class ScheduleAndOrderTests
{
    [Fact]
    public void LinearSchedule_WarmsUpFromZero_ThenDecaysToZero_AsTransformers()
    {
        // transformers: warmup = ceil(10 · 0.25) = 3; lr(s) = s/3 for s < 3, then (10 − s) / 7.
        var s = new LinearSchedule(1.0, 10, 0.25);
        Assert.Equal(3, s.WarmupSteps);
        double[] expected = [0, 1 / 3.0, 2 / 3.0, 1, 6 / 7.0, 5 / 7.0, 4 / 7.0, 3 / 7.0, 2 / 7.0, 1 / 7.0];
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(expected[i], s.At(i), 12);
        }

        Assert.Equal(1.0, new LinearSchedule(1.0, 5, 0).At(0));
    }

    [Fact]
    public void EpochOrder_IsASeededPermutation_DifferentPerEpoch()
    {
        var a = EpochOrder.For(42, 0, 100);
        Assert.Equal(Enumerable.Range(0, 100), a.Order());
        Assert.Equal(a, EpochOrder.For(42, 0, 100));
        Assert.NotEqual(a, EpochOrder.For(42, 1, 100));
        Assert.NotEqual(a, EpochOrder.For(43, 0, 100));
        Assert.NotEqual(Enumerable.Range(0, 100), a);

        // Pinned: a change of the generator would silently change every resumed run's order.
        Assert.Equal([0, 2, 4, 3, 1], EpochOrder.For(1, 0, 5));
    }

    [Fact]
    public void Options_OutOfRange_AreRefusedByName()
    {
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRate = 0 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("dropout", Assert.Throws<ArgumentException>(() => new TrainingOptions { LoraDropout = 1 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("fp32 or bf16", Assert.Throws<ArgumentException>(() => new TrainingOptions { DType = Scoring.DType.Float16 }.Validate()).Message, StringComparison.Ordinal);
    }
}
