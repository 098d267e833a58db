using Confluent.Kafka;
using TokenClean.Core.Sources;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Refresh;
using TokenClean.Service.StreamTraining;
using TokenClean.Service.Tests.Pipeline;
using TokenClean.Service.Tests.Refresh;
using TokenClean.Sink.Kafka;

namespace TokenClean.Service.Tests.StreamTraining;

/// <summary>
/// The streaming trainer following the Kafka output topic (Arrow IPC messages of two rows, so a version ends inside a
/// message) on librdkafka's mock cluster, announcing on the control topic that serve's refresher reads with polling
/// off: each version is served through its announcement, the restart continues inside the half-used message, and the
/// group's committed offsets follow the published versions.
/// </summary>
[Collection("libtorch")]
public sealed class StreamTrainerKafkaTests : IDisposable
{
    private const int N = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly StreamTrainingFixture _f = new();
    private readonly Embedded.Kafka.KafkaMockCluster _kafka = GroupProtocols.StartCluster();
    private readonly List<string> _lines = [];

    public void Dispose()
    {
        _kafka.Dispose();
        _f.Dispose();
    }

    [Fact]
    public async Task Run_FollowingTheOutputTopic_AnnouncesEachVersion_AndARestartContinuesInsideAMessage()
    {
        _kafka.CreateTopic("cleaned", 1);
        _kafka.CreateTopic("ctl", 1);
        using (var sink = KafkaArrowSink.Create(_kafka.BootstrapServers, new KafkaArrowSinkOptions { Topic = "cleaned", MaxRecordsPerMessage = 2 }, StreamTrainingFixture.Metadata))
        {
            for (var i = 0; i < 2 * N; i++)
            {
                sink.Append(SourcePartition.Kafka("sft", 0), i, _f.Row(0, "v0"));
            }

            await sink.FlushAsync();
        }

        Assert.Equal(1, Trainer().Run(Source));
        await using var refresher = await ModelRefresher.StartAsync(
            _f.Checkpoints.Options(Timeout.InfiniteTimeSpan) with { ControlTopic = new ControlTopicOptions { BootstrapServers = _kafka.BootstrapServers, Topic = "ctl", SessionTimeoutMs = 6000 } },
            _f.Checkpoints.BaseConfig);
        Assert.Equal("stream-000001", refresher.Status.CurrentVersion);
        Assert.Equal(1, Committed());

        Assert.Equal(1, Trainer().Run(Source));
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "stream-000002", Patience), "the announcement did not reach the refresher");

        Assert.Equal(["p0-o0", "p0-o1", "p0-o2"], StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000001")));
        Assert.Equal(["p0-o3", "p0-o4", "p0-o5"], StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000002")));
        Assert.Equal(new StreamPosition(1, 1), StreamCursor.FromJson(ReferenceRootView.Manifest(Path.Combine(_f.Root, "stream-000001"))!["cursor_after"])["kafka:cleaned/0"]);
        Assert.Equal(3, Committed());
        var announced = ReadAnnouncements();
        Assert.Equal("stream-000002", announced[^1].Version);
        Assert.Equal(Path.Combine(_f.Root, "stream-000002"), announced[^1].Path);
        Assert.Contains(announced, a => a.Version == "stream-000001");
    }

    private StreamTrainer Trainer() => new(
        _f.Options(N) with { ControlTopic = new AnnouncementTopic(_kafka.BootstrapServers, "ctl") },
        l =>
        {
            lock (_lines)
            {
                _lines.Add(l);
            }
        });

    private KafkaRowSource Source(StreamCursor cursor) => new(
        new KafkaRowSourceOptions
        {
            BootstrapServers = _kafka.BootstrapServers,
            Topic = "cleaned",
            GroupId = "trainer",
            Properties = new Dictionary<string, string> { ["group.protocol"] = GroupProtocols.Consumer },
        },
        cursor);

    private long Committed()
    {
        KafkaNative.EnsureLoaded();
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = "trainer" }).Build();
        return c.Committed([new TopicPartition("cleaned", 0)], TimeSpan.FromSeconds(10))[0].Offset.Value;
    }

    private List<VersionAnnouncement> ReadAnnouncements()
    {
        KafkaNative.EnsureLoaded();
        using var c = new ConsumerBuilder<Ignore, string>(new ConsumerConfig { BootstrapServers = _kafka.BootstrapServers, GroupId = "reader-" + Guid.NewGuid().ToString("N") }).Build();
        c.Assign(new TopicPartitionOffset("ctl", 0, Offset.Beginning));
        var found = new List<VersionAnnouncement>();
        while (c.Consume(TimeSpan.FromSeconds(2)) is { Message: { } m })
        {
            Assert.True(VersionAnnouncement.TryParse(m.Value, _f.Root, out var a, out var error), error);
            found.Add(a!);
        }

        return found;
    }
}
