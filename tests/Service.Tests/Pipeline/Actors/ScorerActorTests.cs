using TokenClean.Core.Rejections;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using TokenClean.Service.Pipeline;
using static TokenClean.Service.Tests.Pipeline.Actors.ActorTestModels;

namespace TokenClean.Service.Tests.Pipeline.Actors;

/// <summary>
/// The scorer actor on its pinned dispatcher: answers every batch with the same records in the same order, turns a
/// failing batch into per-sample retries (one bad sample = one <c>scoring_failed</c> dead letter), replies
/// <see cref="Status.Failure"/> for a failure it cannot attribute to a sample, and swaps its reference between two
/// batches, never backwards.
/// </summary>
public sealed class ScorerActorTests() : TestKit(PipelineActorSystem.Config)
{
    [Fact]
    public void Score_OneSampleTheModelCannotTake_RetriesPerSampleAndOnlyThatSampleBecomesScoringFailed()
    {
        var baseModel = new ScriptedLossModel("base");
        using var device = new ScoringDevice(0, baseModel, new RecordingLease(new ScriptedLossModel("ref"), "v1"));
        var scorer = Sys.ActorOf(ScorerActor.Props(device, Options()));
        var batch = Batch(Record(0, 6), Record(1, 5, firstId: ScriptedLossModel.Poison), Record(2, 7));

        scorer.Tell(new ScoreOnDevice(batch, TestActor));

        var scored = ExpectMsg<ScoredBatch>();
        Assert.Equal([0L, 1L, 2L], scored.Records.Select(r => r.Record.Position.Offset));
        Assert.NotNull(scored.Records[0].Scored);
        Assert.Equal("scoring_failed", scored.Records[1].Rejection?.Code);
        Assert.Null(scored.Records[1].Scored);
        Assert.NotNull(scored.Records[2].Scored);
        Assert.Single(scored.Records, r => r.Rejection is not null);
        Assert.All(scored.Records, r => Assert.Equal("v1", r.ReferenceVersion));
        Assert.Equal(1 + 3, baseModel.Calls); // the batch once, then each sample (the bad one stops before the reference)
    }

    [Fact]
    public void Score_DeviceFailureThatIsNoSamplesFault_RepliesStatusFailureAndKeepsServing()
    {
        var baseModel = new ScriptedLossModel("base") { OutOfMemory = true };
        using var device = new ScoringDevice(0, baseModel, new RecordingLease(new ScriptedLossModel("ref"), "v1"));
        var scorer = Sys.ActorOf(ScorerActor.Props(device, Options()));

        scorer.Tell(new ScoreOnDevice(Batch(Record(0, 6), Record(1, 6)), TestActor));
        var failure = ExpectMsg<Status.Failure>();
        Assert.IsType<OutOfMemoryException>(failure.Cause);

        // The device recovered: the same actor (models untouched, nothing reloaded) scores the next batch.
        baseModel.OutOfMemory = false;
        scorer.Tell(new ScoreOnDevice(Batch(Record(2, 6)), TestActor));
        Assert.NotNull(Assert.Single(ExpectMsg<ScoredBatch>().Records).Scored);
    }

    [Fact]
    public void Score_RecordOfAnEndedGeneration_IsNotScoredAndComesBackStale()
    {
        var baseModel = new ScriptedLossModel("base");
        using var device = new ScoringDevice(0, baseModel, new RecordingLease(new ScriptedLossModel("ref"), "v1"));
        var scorer = Sys.ActorOf(ScorerActor.Props(device, Options(isCurrent: r => r.Position.Offset != 1)));

        scorer.Tell(new ScoreOnDevice(Batch(Record(0, 6), Record(1, 6)), TestActor));

        var scored = ExpectMsg<ScoredBatch>();
        Assert.NotNull(scored.Records[0].Scored);
        Assert.Same(StaleRecord.Rejection, scored.Records[1].Rejection);
        Assert.Equal(1, baseModel.Calls);
    }

    [Fact]
    public void Swap_BetweenTwoBatches_TheNextBatchUsesTheNewVersionAndAnOlderSwapIsIgnored()
    {
        var first = new RecordingLease(new ScriptedLossModel("ref"), "v1");
        using var device = new ScoringDevice(0, new ScriptedLossModel("base"), first);
        var scorer = Sys.ActorOf(ScorerActor.Props(device, Options()));

        scorer.Tell(new ScoreOnDevice(Batch(Record(0, 6)), TestActor));
        Assert.Equal("v1", ExpectMsg<ScoredBatch>().Records[0].ReferenceVersion);

        var second = new RecordingLease(new ScriptedLossModel("ref"), "v3");
        scorer.Tell(new SwapReference(second, 2));
        var stale = new RecordingLease(new ScriptedLossModel("ref"), "v2");
        scorer.Tell(new SwapReference(stale, 1)); // arrives later but is older: never backwards
        scorer.Tell(new ScoreOnDevice(Batch(Record(1, 6)), TestActor));

        Assert.Equal("v3", ExpectMsg<ScoredBatch>().Records[0].ReferenceVersion);
        Assert.True(first.Released, "the replaced lease was not released");
        Assert.True(stale.Released, "the refused lease was not released");
        Assert.False(second.Released);
    }
}
