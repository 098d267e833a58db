using TokenClean.Core.Sources;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <see cref="LakeSink.Discard"/> (a partition lost to a session timeout) discards the partition's open lake file
/// instead of committing it as a revocation does: another instance may already be writing the same offsets.
/// </summary>
public sealed class LakeSinkLoseTests
{
    [Fact]
    public void Lose_PartitionWithAnOpenFile_DiscardsItUncommittedWhileOtherPartitionsStillCommit()
    {
        using var rig = new LakeSinkRig("lake-lose");
        var (generations, tracker, reports, writer) = (rig.Generations, rig.Tracker, rig.Reports, rig.Sink);
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
        Assert.Equal(2, rig.TempFiles().Count);

        // The partition owner ends the generation, then the sink discards the open file.
        var lost = SourcePartition.Kafka("t", 0);
        generations.Revoke(lost);
        tracker.Revoke(lost);
        writer.Discard([lost]);

        Assert.Single(rig.TempFiles());
        writer.Flush();
        reports.ApplyTo(tracker);
        Assert.Empty(rig.TempFiles());
        Assert.Equal(["t+1+00000000000000000000-00000000000000000002.arrow"], rig.CommittedNames());
        Assert.Equal([SourcePartition.Kafka("t", 1).At(3)], tracker.Committable());

        // Records of the lost partition still in flight are dropped, not written into a new file.
        writer.Write([items[0]]);
        writer.Flush();
        Assert.Equal(["t+1+00000000000000000000-00000000000000000002.arrow"], rig.CommittedNames());
    }
}
