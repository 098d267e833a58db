using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <see cref="LakeWriter.Lose"/> (a partition lost to a session timeout) discards the partition's open lake file
/// instead of committing it as a revocation does: another instance may already be writing the same offsets.
/// </summary>
public sealed class LakeWriterLoseTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-lake-lose-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Lose_PartitionWithAnOpenFile_DiscardsItUncommittedWhileOtherPartitionsStillCommit()
    {
        using var metrics = new PipelineMetrics();
        var generations = new PartitionGenerations();
        var tracker = new OffsetTracker();
        var lake = DataLakeSink.Open(new LakeOptions { Root = _root, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) }, new OutputMetadata("t", "h", "window", 0.6, "test"));
        using var writer = new LakeWriter(lake, new FileDeadLetterSink(_root, "cleaned"), tracker, generations, metrics);
        var items = new List<PipelineItem>();
        foreach (var partition in new[] { 0, 1 })
        {
            var generation = generations.Assign("t", partition);
            for (var offset = 0; offset < 3; offset++)
            {
                tracker.Consumed("t", partition, offset);
                var item = new PipelineItem(new InputRecord("t", partition, offset, generation, [1], null));
                item.Reject(RejectionReason.MalformedJson, "test"); // a dead letter: MarkProcessed keeps the partition's file open
                items.Add(item);
            }
        }

        writer.Write(items, "base");
        Assert.Equal(2, TempFiles().Count);

        writer.Lose([("t", 0)]);

        Assert.Single(TempFiles());
        Assert.Null(generations.Current("t", 0));
        writer.Flush();
        Assert.Empty(TempFiles());
        Assert.Equal(["t+1+00000000000000000000-00000000000000000002.arrow"], CommittedNames());
        Assert.Equal([("t", 1, 3L)], tracker.Committable());

        // Items of the lost partition still in flight are dropped, not written into a new file.
        writer.Write([items[0]], "base");
        writer.Flush();
        Assert.Equal(["t+1+00000000000000000000-00000000000000000002.arrow"], CommittedNames());
    }

    private List<string> TempFiles() =>
        [.. Directory.GetFiles(Path.Combine(_root, "cleaned"), "*.tmp", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!)];

    private List<string> CommittedNames() =>
        [.. Directory.GetFiles(Path.Combine(_root, "cleaned"), "*.arrow", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];
}
