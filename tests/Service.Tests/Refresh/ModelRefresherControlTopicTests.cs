using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

/// <summary>Announcements on a control topic (a real Kafka-protocol broker: librdkafka's mock cluster).</summary>
[Collection("libtorch")]
public sealed class ModelRefresherControlTopicTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(25);
    private readonly CheckpointRoot _ckpt = new();
    private readonly KafkaMockCluster _kafka = KafkaMockCluster.Start(1);

    public void Dispose()
    {
        _kafka.Dispose();
        _ckpt.Dispose();
    }

    [Fact]
    public async Task ControlTopic_AnnouncedVersionOutsideRoot_IsLoadedWithoutPolling()
    {
        _ckpt.Publish("step-1");
        var elsewhere = _ckpt.Publish("step-2", parent: _ckpt.Dir); // not under the root: only the announcement can find it
        var logger = new ListLogger();
        await using var refresher = await StartWithTopicAsync(logger);

        Produce("this is not json", $$"""{"version":"step-2","path":"{{elsewhere}}"}""");

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience), string.Join("\n", logger.Lines));
        Assert.Equal(elsewhere, refresher.Status.CurrentPath);
        Assert.True(logger.Has(LogLevel.Warning, "ignored: not valid JSON"));
        Assert.True(logger.Has(LogLevel.Information, "version step-2 announced"));
        using var lease = refresher.Acquire();
        Assert.Equal("step-2", lease.Version);
    }

    [Fact]
    public async Task ControlTopic_AnnouncedBeforeItsMarker_RefusedThenLoadedOnceTheMarkerAppears()
    {
        _ckpt.Publish("step-1");
        var elsewhere = _ckpt.Publish("step-2", marker: false, parent: _ckpt.Dir);
        var logger = new ListLogger();
        await using var refresher = await StartWithTopicAsync(logger, TimeSpan.FromMilliseconds(100));

        Produce($$"""{"version":"step-2","path":"{{elsewhere}}"}""");

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.LastRefusal is not null, Patience), string.Join("\n", logger.Lines));
        Assert.Contains("_COMPLETE does not exist", refresher.Status.LastRefusal!.Reason, StringComparison.Ordinal);
        Assert.Equal("step-1", refresher.Status.CurrentVersion);

        CheckpointRoot.WriteMarker(elsewhere);

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));
        Assert.Equal(1, refresher.Status.RefusedCount);
    }

    [Fact]
    public async Task ControlTopic_AnnouncedOlderVersion_IsIgnored()
    {
        _ckpt.Publish("step-5");
        var older = _ckpt.Publish("step-4", parent: _ckpt.Dir);
        await using var refresher = await StartWithTopicAsync(new ListLogger());
        var checks = refresher.Checks;

        Produce($$"""{"version":"step-4","path":"{{older}}"}""");

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Checks > checks, Patience));
        Assert.Equal("step-5", refresher.Status.CurrentVersion);
        Assert.Equal(1, refresher.LoadAttempts);
    }

    private async Task<ModelRefresher> StartWithTopicAsync(ILogger logger, TimeSpan? poll = null)
    {
        _kafka.CreateTopic("reference-control", 1);
        var options = _ckpt.Options(poll ?? Timeout.InfiniteTimeSpan) with
        {
            ControlTopic = new ControlTopicOptions { BootstrapServers = _kafka.BootstrapServers, Topic = "reference-control", SessionTimeoutMs = 6000 },
        };
        return await ModelRefresher.StartAsync(options, _ckpt.BaseConfig, logger);
    }

    private void Produce(params string[] messages)
    {
        KafkaNative.EnsureLoaded();
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _kafka.BootstrapServers }).Build();
        foreach (var m in messages)
        {
            producer.Produce("reference-control", new Message<Null, string> { Value = m });
        }

        producer.Flush(TimeSpan.FromSeconds(10));
    }
}
