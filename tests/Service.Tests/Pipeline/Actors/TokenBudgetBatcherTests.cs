using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Akka.TestKit.Xunit2;
using TokenClean.Service.Pipeline;
using static TokenClean.Service.Tests.Pipeline.Actors.ActorTestModels;

namespace TokenClean.Service.Tests.Pipeline.Actors;

/// <summary>The batch step: token budget, record cap, max delay, the quiet-input flush and stale records.</summary>
public sealed class TokenBudgetBatcherTests() : TestKit(PipelineActorSystem.Config)
{
    [Fact]
    public void Batch_RecordsOverTheTokenBudget_SplitInOrderAndTheLastBatchFlushesTheSelection()
    {
        var batches = Run(new TokenBudgetBatcher(64, 100, TimeSpan.FromSeconds(30)), Record(0, 30), Record(1, 30), Record(2, 30), Record(3, 70), Record(4, 10));

        Assert.Equal(["0,1", "2", "3", "4"], batches.Select(b => string.Join(",", b.Records.Select(r => r.Record.Position.Offset))));
        Assert.Equal([60L, 30, 70, 10], batches.Select(b => b.Tokens));
        Assert.Equal([false, false, false, true], batches.Select(b => b.FlushSelection));
    }

    [Fact]
    public void Batch_RecordCap_ClosesABatchAtThatManyRecords()
    {
        var batches = Run(new TokenBudgetBatcher(10_000, 2, TimeSpan.FromSeconds(30)), Record(0, 5), Record(1, 5), Record(2, 5));

        Assert.Equal([2, 1], batches.Select(b => b.Records.Count));
    }

    [Fact]
    public void Batch_InputPausesLongerThanTheMaxDelay_EmitsThePartialBatchThenAQuietFlush()
    {
        var (source, sink) = this.SourceProbe<TokenizedRecord>()
            .Via(new TokenBudgetBatcher(1_000, 100, TimeSpan.FromMilliseconds(150)))
            .ToMaterialized(this.SinkProbe<TokenBatch>(), Keep.Both)
            .Run(Sys.Materializer());
        sink.Request(10);
        source.SendNext(Record(0, 10));
        source.SendNext(Record(1, 10));

        sink.ExpectNoMsg(TimeSpan.FromMilliseconds(80)); // under the budget and not yet due
        var partial = sink.ExpectNext(TimeSpan.FromSeconds(2));
        Assert.Equal(2, partial.Records.Count);
        Assert.False(partial.FlushSelection);

        var quiet = sink.ExpectNext(TimeSpan.FromSeconds(2)); // the input stayed quiet: close the selection window
        Assert.Empty(quiet.Records);
        Assert.True(quiet.FlushSelection);
        sink.ExpectNoMsg(TimeSpan.FromMilliseconds(400)); // once per quiet period

        source.SendComplete();
        Assert.True(sink.ExpectNext(TimeSpan.FromSeconds(2)).FlushSelection);
        sink.ExpectComplete();
    }

    [Fact]
    public void Batch_DueWhileEveryScorerIsBusy_KeepsFillingAndClosesOnceAScorerIsFree()
    {
        var free = false;
        var (source, sink) = this.SourceProbe<TokenizedRecord>()
            .Via(new TokenBudgetBatcher(1_000, 100, TimeSpan.FromMilliseconds(100), scorerFree: () => Volatile.Read(ref free)))
            .ToMaterialized(this.SinkProbe<TokenBatch>(), Keep.Both)
            .Run(Sys.Materializer());
        sink.Request(10);
        source.SendNext(Record(0, 10));
        sink.ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // due, but no scorer could start it: a partial batch would only queue
        source.SendNext(Record(1, 10)); // so it keeps filling

        Volatile.Write(ref free, true);
        var batch = sink.ExpectNext(TimeSpan.FromSeconds(2));
        Assert.Equal([0L, 1L], batch.Records.Select(r => r.Record.Position.Offset));
        Assert.False(batch.FlushSelection);
        source.SendComplete();
        Assert.True(sink.ExpectNext(TimeSpan.FromSeconds(2)).FlushSelection);
        sink.ExpectComplete();
    }

    [Fact]
    public void Batch_RecordOfAnEndedGeneration_IsDroppedBeforeScoring()
    {
        var batches = Run(new TokenBudgetBatcher(1_000, 100, TimeSpan.FromSeconds(30), r => r.Generation == 2), Record(0, 5, generation: 1), Record(1, 5, generation: 2));

        Assert.Equal([1L], Assert.Single(batches).Records.Select(r => r.Record.Position.Offset));
    }

    private List<TokenBatch> Run(TokenBudgetBatcher batcher, params TokenizedRecord[] records) =>
        Source.From(records).Via(batcher).RunWith(Akka.Streams.Dsl.Sink.Seq<TokenBatch>(), Sys.Materializer()).Result.ToList();
}
