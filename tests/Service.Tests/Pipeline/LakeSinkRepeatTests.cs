using TokenClean.Core.Sources;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// The lake refuses an offset it already holds. Held in a committed file, the offset is durable; held only in the
/// open file, it is not yet: the sink must not report it durable until that file commits (invariant 1).
/// </summary>
public sealed class LakeSinkRepeatTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-lake-repeat-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Write_RepeatOfAnOffsetInTheOpenFile_IsDoneOnlyWhenThatFileCommits()
    {
        using var metrics = new PipelineMetrics();
        var generations = new PartitionGenerations();
        var tracker = new OffsetTracker();
        var reports = new SinkReports();
        var lake = DataLakeSink.Open(new LakeOptions { Root = _root, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) }, new OutputMetadata("t", "h", "window", 0.6, "test"));
        using var writer = new LakeSink(lake, new FileDeadLetterSink(_root, "cleaned"), generations, reports, metrics, "base");
        var t0 = SourcePartition.Kafka("t", 0);
        var generation = generations.Assign(t0);
        var items = new List<FinishedRecord>();
        for (var offset = 0; offset < 3; offset++)
        {
            tracker.Consumed(t0.At(offset));
            items.Add(FinishedRecords.Rejected(t0, offset, generation)); // a dead letter: MarkProcessed keeps the file open
        }

        writer.Write(items);
        reports.ApplyTo(tracker);
        Assert.Equal([t0.At(0)], tracker.Committable());

        writer.Write([items[0]]); // the same offset again, while its file is still open
        reports.ApplyTo(tracker);
        Assert.Equal([t0.At(0)], tracker.Committable());

        writer.Flush();
        reports.ApplyTo(tracker);
        Assert.Equal([t0.At(3)], tracker.Committable());
    }
}
