using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// The lake refuses an offset it already holds. Held in a committed file, the offset is durable; held only in the
/// open file, it is not yet: the writer must not report it done until that file commits (invariant 1).
/// </summary>
public sealed class LakeWriterRepeatTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-lake-repeat-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Write_RepeatOfAnOffsetInTheOpenFile_IsDoneOnlyWhenThatFileCommits()
    {
        using var metrics = new PipelineMetrics();
        var generations = new PartitionGenerations();
        var tracker = new OffsetTracker();
        var lake = DataLakeSink.Open(new LakeOptions { Root = _root, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) }, new OutputMetadata("t", "h", "window", 0.6, "test"));
        using var writer = new LakeWriter(lake, new FileDeadLetterSink(_root, "cleaned"), tracker, generations, metrics);
        var generation = generations.Assign("t", 0);
        var items = new List<PipelineItem>();
        for (var offset = 0; offset < 3; offset++)
        {
            tracker.Consumed("t", 0, offset);
            var item = new PipelineItem(new InputRecord("t", 0, offset, generation, [1], null));
            item.Reject(RejectionReason.MalformedJson, "test"); // a dead letter: MarkProcessed keeps the file open
            items.Add(item);
        }

        writer.Write(items, "base");
        Assert.Equal([("t", 0, 0L)], tracker.Committable());

        writer.Write([items[0]], "base"); // the same offset again, while its file is still open
        Assert.Equal([("t", 0, 0L)], tracker.Committable());

        writer.Flush();
        Assert.Equal([("t", 0, 3L)], tracker.Committable());
    }
}
