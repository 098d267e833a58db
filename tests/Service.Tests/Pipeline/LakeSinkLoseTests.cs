using TokenClean.Core.Sources;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <see cref="LakeSink.Discard"/> (a partition lost to a session timeout) discards the partition's open lake file
/// instead of committing it as a revocation does: another instance may already be writing the same offsets.
/// </summary>
public sealed class LakeSinkLoseTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-lake-lose-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Lose_PartitionWithAnOpenFile_DiscardsItUncommittedWhileOtherPartitionsStillCommit()
    {
        using var metrics = new PipelineMetrics();
        var generations = new PartitionGenerations();
        var tracker = new OffsetTracker();
        var reports = new SinkReports();
        var lake = DataLakeSink.Open(new LakeOptions { Root = _root, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) }, new OutputMetadata("t", "h", "window", 0.6, "test"));
        using var writer = new LakeSink(lake, new FileDeadLetterSink(_root, "cleaned"), generations, reports, metrics, "base");
        var items = new List<FinishedRecord>();
        foreach (var partition in new[] { 0, 1 })
        {
            var p = SourcePartition.Kafka("t", partition);
            var generation = generations.Assign(p);
            for (var offset = 0; offset < 3; offset++)
            {
                tracker.Consumed(p.At(offset));
                items.Add(FinishedRecords.Rejected(p, offset, generation)); // a dead letter: MarkProcessed keeps the partition's file open
            }
        }

        writer.Write(items);
        Assert.Equal(2, TempFiles().Count);

        // The partition owner ends the generation, then the sink discards the open file.
        var lost = SourcePartition.Kafka("t", 0);
        generations.Revoke(lost);
        tracker.Revoke(lost);
        writer.Discard([lost]);

        Assert.Single(TempFiles());
        writer.Flush();
        reports.ApplyTo(tracker);
        Assert.Empty(TempFiles());
        Assert.Equal(["t+1+00000000000000000000-00000000000000000002.arrow"], CommittedNames());
        Assert.Equal([SourcePartition.Kafka("t", 1).At(3)], tracker.Committable());

        // Records of the lost partition still in flight are dropped, not written into a new file.
        writer.Write([items[0]]);
        writer.Flush();
        Assert.Equal(["t+1+00000000000000000000-00000000000000000002.arrow"], CommittedNames());
    }

    private List<string> TempFiles() =>
        [.. Directory.GetFiles(Path.Combine(_root, "cleaned"), "*.tmp", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!)];

    private List<string> CommittedNames() =>
        [.. Directory.GetFiles(Path.Combine(_root, "cleaned"), "*.arrow", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];
}
