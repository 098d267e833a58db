using TokenClean.Core.Sources;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

public sealed class OffsetTrackerTests
{
    [Fact]
    public void Committable_WithAGapInDoneRecords_StopsBeforeTheGap()
    {
        var t = new OffsetTracker();
        for (var o = 10; o < 15; o++)
        {
            t.Consumed(SourcePartition.Kafka("in", 0).At(o));
        }

        t.Done(SourcePartition.Kafka("in", 0), 10);
        t.Done(SourcePartition.Kafka("in", 0), 12);
        t.Done(SourcePartition.Kafka("in", 0), 13);
        Assert.Equal([SourcePartition.Kafka("in", 0).At(11)], t.Committable());

        t.Done(SourcePartition.Kafka("in", 0), 11);
        Assert.Equal([SourcePartition.Kafka("in", 0).At(14)], t.Committable());
        Assert.Equal(1, t.InFlight);
    }

    [Fact]
    public void Committable_BeforeAnythingIsDone_IsTheFirstConsumedOffset()
    {
        var t = new OffsetTracker();
        t.Consumed(SourcePartition.Kafka("in", 3).At(100));
        Assert.Equal([SourcePartition.Kafka("in", 3).At(100)], t.Committable());
    }

    [Fact]
    public void Start_BeforeAnyRecord_MakesTheStartOffsetCommittable()
    {
        // A partition whose lake is ahead of the group: nothing may ever be consumed to carry the commit.
        var t = new OffsetTracker();
        t.Start(SourcePartition.Kafka("in", 1), 302);
        Assert.Equal([SourcePartition.Kafka("in", 1).At(302)], t.Committable());

        Assert.Throws<InvalidOperationException>(() => t.Consumed(SourcePartition.Kafka("in", 1).At(301)));
        t.Consumed(SourcePartition.Kafka("in", 1).At(302));
        t.Done(SourcePartition.Kafka("in", 1), 302);
        Assert.Equal([SourcePartition.Kafka("in", 1).At(303)], t.Committable());
    }

    [Fact]
    public void Consumed_SkippingOffsets_DoesNotWaitForRecordsThatDoNotExist()
    {
        var t = new OffsetTracker();
        t.Consumed(SourcePartition.Kafka("in", 0).At(0));
        t.Consumed(SourcePartition.Kafka("in", 0).At(5)); // 1..4 compacted away
        t.Done(SourcePartition.Kafka("in", 0), 0);
        Assert.Equal([SourcePartition.Kafka("in", 0).At(5)], t.Committable());
        t.Done(SourcePartition.Kafka("in", 0), 5);
        Assert.Equal([SourcePartition.Kafka("in", 0).At(6)], t.Committable());
    }

    [Fact]
    public void Consumed_GoingBackwards_Throws()
    {
        var t = new OffsetTracker();
        t.Consumed(SourcePartition.Kafka("in", 0).At(7));
        Assert.Throws<InvalidOperationException>(() => t.Consumed(SourcePartition.Kafka("in", 0).At(7)));
    }

    [Fact]
    public void Revoke_ForgetsThePartitionAndIgnoresLateCompletions()
    {
        var t = new OffsetTracker();
        t.Consumed(SourcePartition.Kafka("in", 0).At(0));
        t.Consumed(SourcePartition.Kafka("in", 1).At(0));
        t.Revoke(SourcePartition.Kafka("in", 1));
        t.Done(SourcePartition.Kafka("in", 1), 0);
        Assert.Equal([SourcePartition.Kafka("in", 0).At(0)], t.Committable());
    }

    [Fact]
    public void Done_FromManyThreadsInRandomOrder_CommitsEverything()
    {
        var t = new OffsetTracker();
        const int n = 10_000;
        for (var o = 0; o < n; o++)
        {
            t.Consumed(SourcePartition.Kafka("in", 0).At(o));
        }

        var order = Enumerable.Range(0, n).ToArray();
        new Random(42).Shuffle(order);
        Parallel.ForEach(order, o => t.Done(SourcePartition.Kafka("in", 0), o));
        Assert.Equal([SourcePartition.Kafka("in", 0).At(n)], t.Committable());
        Assert.Equal(0, t.InFlight);
    }
}
