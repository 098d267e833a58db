using TokenClean.Service.Observability;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Observability;

/// <summary>The /status fields the status page draws: histogram, reference history, threshold, per-second series.</summary>
public sealed class StatusPageFiguresTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Snapshot_Influences_CountsEachInItsFixedBinAndOutliersApart()
    {
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, new ManualTime(T0));
        metrics.Influence([-8f, -7.95f, 0.05f, 0.05f, 0.15f, float.NaN, -9f, 8f, 100f]);

        var h = aggregator.Snapshot().InfluenceHistogram!;
        Assert.Equal(-8, h.Min);
        Assert.Equal(0.1, h.BinWidth, 12);
        Assert.Equal(160, h.Counts.Count);
        Assert.Equal(2, h.Counts[0]);   // [-8, -7.9)
        Assert.Equal(2, h.Counts[80]);  // [0, 0.1)
        Assert.Equal(1, h.Counts[81]);  // [0.1, 0.2)
        Assert.Equal(1, h.Below);
        Assert.Equal(2, h.Above);       // 8 is the upper edge: outside
        Assert.Equal(5, h.Counts.Sum());
    }

    [Fact]
    public void Snapshot_RefreshesAndAFixedReference_KeepsAHistoryWithReasonsOldestFirst()
    {
        var time = new ManualTime(T0);
        using var metrics = new PipelineMetrics(time: time);
        using var aggregator = new MetricsAggregator(metrics, time);

        metrics.ReferenceInUse("fixed"); // a fixed --ref: first batch scored with it
        metrics.ReferenceInUse("fixed"); // later batches: no new entry
        time.Advance(TimeSpan.FromSeconds(10));
        metrics.ReferenceRefreshed("v2", accepted: false, "config.json does not match the base model");
        metrics.ReferenceRefreshed("v3", accepted: true, "ignored for an accepted version");
        metrics.ReferenceInUse("fixed"); // a batch still finishing on the old version after the swap: no change

        var status = aggregator.Snapshot();
        Assert.Equal("v3", status.Reference.Version);
        Assert.Equal(
            [
                new ReferenceRefresh("fixed", true, T0),
                new ReferenceRefresh("v2", false, T0.AddSeconds(10), "config.json does not match the base model"),
                new ReferenceRefresh("v3", true, T0.AddSeconds(10)),
            ],
            status.ReferenceHistory);
    }

    [Fact]
    public void Snapshot_History_KeepsOnlyTheMostRecentEntries()
    {
        using var metrics = new PipelineMetrics();
        for (var i = 0; i < PipelineMetrics.HistoryLength + 5; i++)
        {
            metrics.ReferenceRefreshed($"v{i}", accepted: true);
        }

        Assert.Equal(PipelineMetrics.HistoryLength, metrics.ReferenceHistory.Count);
        Assert.Equal("v5", metrics.ReferenceHistory[0].Version);
    }

    [Fact]
    public void Snapshot_ThresholdAndSeries_FollowTheLastSampleAndEachSecond()
    {
        var time = new ManualTime(T0);
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, time);
        Assert.Null(aggregator.Snapshot().Threshold);

        metrics.Selected(10, 6, threshold: 0.25f);
        metrics.SampleWritten(3);
        metrics.BatchScored(100, 1000);
        time.Advance(TimeSpan.FromSeconds(2));
        metrics.SampleWritten(1);
        metrics.Selected(10, 6); // threshold not known: the last one stays

        var status = aggregator.Snapshot();
        Assert.Equal(0.25, status.Threshold!.Value, 6);
        var samples = status.RecentSeconds!.Samples;
        Assert.Equal(MetricsAggregator.WindowSeconds, samples.Count);
        Assert.Equal(1, samples[^1]);
        Assert.Equal(0, samples[^2]);
        Assert.Equal(3, samples[^3]);
        Assert.Equal(100, status.RecentSeconds.Tokens[^3]);
    }
}
