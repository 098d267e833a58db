using TokenClean.Core.Sources;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// The lake refuses an offset it already holds. Held in a committed file, the offset is durable; held only in the
/// open file, it is not yet: the sink must not report it durable until that file commits (invariant 1).
/// </summary>
public sealed class LakeSinkRepeatTests
{
    [Fact]
    public void Write_RepeatOfAnOffsetInTheOpenFile_IsDoneOnlyWhenThatFileCommits()
    {
        using var rig = new LakeSinkRig("lake-repeat");
        var (generations, tracker, reports, writer) = (rig.Generations, rig.Tracker, rig.Reports, rig.Sink);
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
