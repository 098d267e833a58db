using Confluent.Kafka;
using TokenClean.Core.Samples;
using TokenClean.Core.Sources;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Scoring.Influence;
using TokenClean.Scoring.Selection;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Kafka;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <see cref="LakeSink.Output"/>: a batch's rows are acknowledged by the output topic before the lake is given
/// their offsets, so an offset becomes durable (committable) only when both hold it.
/// </summary>
public sealed class LakeSinkKafkaOutputTests : IDisposable
{
    private static readonly OutputMetadata Metadata = new("t", "h", "window", 0.6, "test");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-lake-out-" + Guid.NewGuid().ToString("N"));
    private readonly PipelineMetrics _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void Write_RowsToTheOutputTopic_AreAcknowledgedBeforeTheLakeCommitsTheirOffsets()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("out", 1);
        var (writer, tracker, reports, items) = Create(cluster);
        using (writer)
        {
            writer.Write(items);

            // Already in the topic while the lake file is still open and nothing is durable yet.
            Assert.Equal(1, EndOffset(cluster.BootstrapServers));
            reports.ApplyTo(tracker);
            Assert.Equal([T0.At(0)], tracker.Committable());
            writer.Flush();
            reports.ApplyTo(tracker);
            Assert.Equal([T0.At(3)], tracker.Committable());
        }
    }

    [Fact]
    public void Write_OutputTopicRefusesTheRows_FailsAndNoOffsetBecomesDurable()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("out", 1);
        cluster.PushRequestErrors(0, 10, 10, 10, 10, 10); // Produce → MESSAGE_TOO_LARGE: a permanent delivery failure
        var (writer, tracker, reports, items) = Create(cluster);
        using (writer)
        {
            Assert.ThrowsAny<KafkaException>(() => writer.Write(items));
            writer.Flush();
            reports.ApplyTo(tracker);
            Assert.Equal([T0.At(0)], tracker.Committable());
            Assert.Empty(Directory.GetFiles(Path.Combine(_root, "cleaned"), "*.arrow", SearchOption.AllDirectories));
        }
    }

    private static readonly SourcePartition T0 = SourcePartition.Kafka("t", 0);

    private (LakeSink Writer, OffsetTracker Tracker, SinkReports Reports, List<FinishedRecord> Items) Create(KafkaMockCluster cluster)
    {
        var generations = new PartitionGenerations();
        var tracker = new OffsetTracker();
        var reports = new SinkReports();
        var lake = DataLakeSink.Open(new LakeOptions { Root = _root, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) }, Metadata);
        var writer = new LakeSink(lake, new FileDeadLetterSink(_root, "cleaned"), generations, reports, _metrics, "base")
        {
            Output = KafkaArrowSink.Create(cluster.BootstrapServers, new KafkaArrowSinkOptions { Topic = "out" }, Metadata),
        };
        var generation = generations.Assign(T0);
        var items = new List<FinishedRecord>();
        for (var offset = 0; offset < 3; offset++)
        {
            tracker.Consumed(T0.At(offset));
            var sample = new TokenizedSample($"s{offset}", [1, 2, 3, 4], [-100, -100, 3, 4]);
            var scored = new ScoredSample(sample, [float.NaN, float.NaN, 1, 2], [float.NaN, float.NaN, 0.5f, 0.5f], [float.NaN, float.NaN, 0.5f, 1.5f]);
            items.Add(FinishedRecords.Selected(T0, offset, generation, new SelectedSample(scored, [-100, -100, -100, 4], 1, 1f)));
        }

        return (writer, tracker, reports, items);
    }

    private static long EndOffset(string bootstrap) => KafkaProbe.EndOffsets(bootstrap, "out", 1)[0];
}
