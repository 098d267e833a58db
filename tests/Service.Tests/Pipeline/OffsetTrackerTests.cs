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
            t.Consumed("in", 0, o);
        }

        t.Done("in", 0, 10);
        t.Done("in", 0, 12);
        t.Done("in", 0, 13);
        Assert.Equal([("in", 0, 11L)], t.Committable());

        t.Done("in", 0, 11);
        Assert.Equal([("in", 0, 14L)], t.Committable());
        Assert.Equal(1, t.InFlight);
    }

    [Fact]
    public void Committable_BeforeAnythingIsDone_IsTheFirstConsumedOffset()
    {
        var t = new OffsetTracker();
        t.Consumed("in", 3, 100);
        Assert.Equal([("in", 3, 100L)], t.Committable());
    }

    [Fact]
    public void Start_BeforeAnyRecord_MakesTheStartOffsetCommittable()
    {
        // A partition whose lake is ahead of the group: nothing may ever be consumed to carry the commit.
        var t = new OffsetTracker();
        t.Start("in", 1, 302);
        Assert.Equal([("in", 1, 302L)], t.Committable());

        Assert.Throws<InvalidOperationException>(() => t.Consumed("in", 1, 301));
        t.Consumed("in", 1, 302);
        t.Done("in", 1, 302);
        Assert.Equal([("in", 1, 303L)], t.Committable());
    }

    [Fact]
    public void Consumed_SkippingOffsets_DoesNotWaitForRecordsThatDoNotExist()
    {
        var t = new OffsetTracker();
        t.Consumed("in", 0, 0);
        t.Consumed("in", 0, 5); // 1..4 compacted away
        t.Done("in", 0, 0);
        Assert.Equal([("in", 0, 5L)], t.Committable());
        t.Done("in", 0, 5);
        Assert.Equal([("in", 0, 6L)], t.Committable());
    }

    [Fact]
    public void Consumed_GoingBackwards_Throws()
    {
        var t = new OffsetTracker();
        t.Consumed("in", 0, 7);
        Assert.Throws<InvalidOperationException>(() => t.Consumed("in", 0, 7));
    }

    [Fact]
    public void Revoke_ForgetsThePartitionAndIgnoresLateCompletions()
    {
        var t = new OffsetTracker();
        t.Consumed("in", 0, 0);
        t.Consumed("in", 1, 0);
        t.Revoke("in", 1);
        t.Done("in", 1, 0);
        Assert.Equal([("in", 0, 0L)], t.Committable());
    }

    [Fact]
    public void Done_FromManyThreadsInRandomOrder_CommitsEverything()
    {
        var t = new OffsetTracker();
        const int n = 10_000;
        for (var o = 0; o < n; o++)
        {
            t.Consumed("in", 0, o);
        }

        var order = Enumerable.Range(0, n).ToArray();
        new Random(42).Shuffle(order);
        Parallel.ForEach(order, o => t.Done("in", 0, o));
        Assert.Equal([("in", 0, (long)n)], t.Committable());
        Assert.Equal(0, t.InFlight);
    }
}
