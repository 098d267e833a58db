using TokenClean.Core.Samples;
using TokenClean.Core.Sources;
using TokenClean.Sink.Output;

namespace TokenClean.Sink.Tests.Output;

/// <summary>The one mapping from a selected sample to the output row (serve's lake and topic, clean's files).</summary>
public sealed class OutputRecordFromTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 1, 2, 3, TimeSpan.Zero);

    [Fact]
    public void From_KafkaSample_CarriesItsSourceScoresSelectionAndLineage()
    {
        var selected = Selected();

        var row = OutputRecord.From(selected, SourcePartition.Kafka("sft", 3).At(41), "base@1", "step-2", At);

        Assert.Equal("s1", row.SampleId);
        Assert.Equal(("sft", 3, 41L), (row.SourceTopic, row.SourcePartition, row.SourceOffset));
        Assert.Equal([5, 6, 7], row.InputIds.ToArray());
        Assert.Equal([TokenizedSample.IgnoreLabel, TokenizedSample.IgnoreLabel, 7], row.Labels.ToArray());
        Assert.Equal(selected.Scored.Influence, row.Influence.ToArray());
        Assert.Equal((2, 1, 0.25f), (row.ResponseTokens, row.KeptTokens, row.Threshold));
        Assert.Equal(("base@1", "step-2", At), (row.BaseModel, row.RefModelVersion, row.ScoredAt));
        Assert.Null(row.BaseLoss);
        Assert.Null(row.RefLoss);
    }

    [Fact]
    public void From_FileSampleWithLosses_HasNoSourceColumnsAndCarriesTheLosses()
    {
        var selected = Selected();

        var row = OutputRecord.From(selected, source: null, "b", "r", At, withLosses: true);

        Assert.Equal((null, null, null), (row.SourceTopic, row.SourcePartition, row.SourceOffset));
        Assert.Equal(selected.Scored.BaseLoss, row.BaseLoss!.Value.ToArray());
        Assert.Equal(selected.Scored.ReferenceLoss, row.RefLoss!.Value.ToArray());
    }

    private static SelectedSample Selected()
    {
        var sample = new TokenizedSample("s1", [5, 6, 7], [TokenizedSample.IgnoreLabel, 6, 7]);
        var scored = new ScoredSample(sample, [float.NaN, 1.5f, 2f], [float.NaN, 1.25f, 1f], [float.NaN, 0.25f, 1f]);
        return new SelectedSample(scored, [TokenizedSample.IgnoreLabel, TokenizedSample.IgnoreLabel, 7], 1, 0.25f);
    }
}
