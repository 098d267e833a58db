using TokenClean.Service.Observability;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Observability;

// OTLP providers listen to every meter named TokenClean: keep them apart from the allocation test.
[Collection("TokenClean meter by name")]
public sealed class MetricsAggregatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Snapshot_AfterTraffic_ReportsTotalsRatesAndKeptRatio()
    {
        var time = new ManualTime(T0);
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, time);

        metrics.SampleWritten(3);
        metrics.DeadLettered("too_long");
        metrics.DeadLettered("too_long");
        metrics.DeadLettered("bad_json");
        metrics.BatchScored(800, 1000);
        metrics.BatchScored(400, 1000);
        metrics.Selected(100, 60);
        time.Advance(TimeSpan.FromSeconds(10));

        var s = aggregator.Snapshot();

        Assert.Equal(new SampleTotals(3, 3, 1200, 100, 60, 0.6), s.Totals);
        Assert.Equal(10, s.Throughput.WindowSeconds);
        Assert.Equal(0.6, s.Throughput.SamplesPerSecond, 9);
        Assert.Equal(120, s.Throughput.TokensPerSecond, 9);
        Assert.Equal(0.6, s.Throughput.KeptRatio);
        Assert.Equal(new Dictionary<string, long> { ["bad_json"] = 1, ["too_long"] = 2 }, s.DeadLetters);
        Assert.Equal(2, s.BatchFill.Batches);
        Assert.Equal(0.6, s.BatchFill.Mean!.Value, 9);
        Assert.Equal(10, s.UptimeSeconds, 9);
    }

    [Fact]
    public void Snapshot_AfterTheWindowPasses_RatesDropToZeroAndTotalsStay()
    {
        var time = new ManualTime(T0);
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, time);

        metrics.SampleWritten(50);
        metrics.BatchScored(5000, 8000);
        metrics.Selected(10, 5);
        time.Advance(TimeSpan.FromSeconds(30));
        metrics.SampleWritten(60);
        time.Advance(TimeSpan.FromSeconds(40));

        // The first burst is 70 s old and out of the 60 s window; the second is 40 s old and in it.
        var s = aggregator.Snapshot();
        Assert.Equal(60, s.Throughput.WindowSeconds);
        Assert.Equal(1.0, s.Throughput.SamplesPerSecond, 9);
        Assert.Equal(0, s.Throughput.TokensPerSecond);
        Assert.Null(s.Throughput.KeptRatio);
        Assert.Equal(110, s.Totals.SamplesWritten);
        Assert.Equal(0.5, s.Totals.KeptRatio);
    }

    [Fact]
    public void Snapshot_InfluenceOneToHundredWithPromptNaNs_GivesInterpolatedQuantiles()
    {
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, new ManualTime(T0));
        var values = new float[102];
        values[0] = float.NaN;
        values[1] = float.NaN;
        for (var i = 0; i < 100; i++)
        {
            values[i + 2] = 100 - i;
        }

        metrics.Influence(values);

        var q = aggregator.Snapshot().Influence;
        Assert.Equal(100, q.Window);
        Assert.Equal(100, q.Recorded);
        Assert.Equal(10.9, q.P10!.Value, 4);
        Assert.Equal(50.5, q.P50!.Value, 4);
        Assert.Equal(90.1, q.P90!.Value, 4);
    }

    [Fact]
    public void Snapshot_MoreInfluencesThanTheWindow_QuantilesCoverOnlyTheMostRecent()
    {
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, new ManualTime(T0));
        var old = new float[MetricsAggregator.InfluenceWindow];
        Array.Fill(old, 1000f);
        var recent = new float[MetricsAggregator.InfluenceWindow];
        for (var i = 0; i < recent.Length; i++)
        {
            recent[i] = (float)i / (recent.Length - 1);
        }

        metrics.Influence(old);
        metrics.Influence(recent);

        var q = aggregator.Snapshot().Influence;
        Assert.Equal(MetricsAggregator.InfluenceWindow, q.Window);
        Assert.Equal(2L * MetricsAggregator.InfluenceWindow, q.Recorded);
        Assert.Equal(0.5, q.P50!.Value, 3);
        Assert.Equal(0.9, q.P90!.Value, 3);
    }

    [Fact]
    public void Snapshot_GaugesAndRefreshes_ReportsQueuesLagAndReference()
    {
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, new ManualTime(T0));
        var depth = 7;
        metrics.RegisterQueue("tokenize", () => depth);
        metrics.RegisterQueue("score", () => 2);
        metrics.Lag("sft", 1, 5);
        metrics.Lag("sft", 0, 42);
        metrics.ReferenceRefreshed("ckpt-2", accepted: true);
        metrics.ReferenceRefreshed("ckpt-3", accepted: false);

        var s = aggregator.Snapshot();
        Assert.Equal(new Dictionary<string, int> { ["score"] = 2, ["tokenize"] = 7 }, s.QueueDepths);
        Assert.Equal([new PartitionStatus("sft", 0, null, 42), new PartitionStatus("sft", 1, null, 5)], s.Partitions);
        Assert.Equal("ckpt-2", s.Reference.Version);
        Assert.Equal(1, s.Reference.RefreshesAccepted);
        Assert.Equal(1, s.Reference.RefreshesRejected);
        Assert.Equal("ckpt-3", s.Reference.LastRefresh!.Version);
        Assert.False(s.Reference.LastRefresh.Accepted);

        // Gauges are polled at each snapshot, not cached from the first.
        depth = 0;
        Assert.Equal(0, aggregator.Snapshot().QueueDepths["tokenize"]);
    }

    [Fact]
    public void Snapshot_AnotherMeterOfTheSameName_IsNotCounted()
    {
        using var mine = new PipelineMetrics();
        using var other = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(mine, new ManualTime(T0));

        other.SampleWritten(1000);
        other.DeadLettered("x");
        mine.SampleWritten(1);

        var s = aggregator.Snapshot();
        Assert.Equal(1, s.Totals.SamplesWritten);
        Assert.Empty(s.DeadLetters);
    }

    [Fact]
    public void Influence_WithTheAggregatorListening_AllocatesNothingPerToken()
    {
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, new ManualTime(T0));
        var batch = new float[16384];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = i % 7 == 0 ? float.NaN : i * 1e-4f;
        }

        metrics.Influence(batch); // warm up: first calls JIT and size the listener's state
        metrics.BatchScored(16384, 16384);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 10; round++)
        {
            metrics.Influence(batch);
            metrics.BatchScored(16384, 16384);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for 163840 influences");
        Assert.Equal(11L * (16384 - 2341), aggregator.Snapshot().Influence.Recorded);
    }

    [Fact]
    public async Task Snapshot_WhileBlocksRecordOnOtherThreads_LosesNothing()
    {
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, new ManualTime(T0));
        var reasons = new[] { "too_long", "bad_json", "no_response", "template_error" };
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            float[] influence = [0.1f, -0.2f, float.NaN];
            for (var i = 0; i < 5000; i++)
            {
                metrics.SampleWritten();
                metrics.DeadLettered(reasons[(i + w) % reasons.Length] + i % 7);
                metrics.Selected(10, 6);
                metrics.Influence(influence);
                metrics.BatchScored(100, 200);
            }
        })).ToArray();
        var readers = Task.Run(() =>
        {
            while (!writers.All(t => t.IsCompleted))
            {
                Assert.True(aggregator.Snapshot().Totals.SamplesWritten <= 20_000);
            }
        });
        await Task.WhenAll([.. writers, readers]);

        var s = aggregator.Snapshot();
        Assert.Equal(new SampleTotals(20_000, 20_000, 2_000_000, 200_000, 120_000, 0.6), s.Totals);
        Assert.Equal(28, s.DeadLetters.Count);
        Assert.Equal(20_000, s.DeadLetters.Values.Sum());
        Assert.Equal(40_000, s.Influence.Recorded);
    }

    [Fact]
    public void Snapshot_BeforeAnyTraffic_HasNullRatiosAndQuantiles()
    {
        using var metrics = new PipelineMetrics();
        using var aggregator = new MetricsAggregator(metrics, new ManualTime(T0));

        var s = aggregator.Snapshot();
        Assert.Null(s.Totals.KeptRatio);
        Assert.Null(s.Influence.P50);
        Assert.Null(s.BatchFill.Mean);
        Assert.Equal("none", s.Reference.Version);
        Assert.Equal(1, s.Throughput.WindowSeconds);
    }
}
