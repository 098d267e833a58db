using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The flow of every command, in one place, top to bottom like the design card:
/// source → parse + tokenize (parallel, ordered) → batch (token budget, max delay) → score (scorer actors, one per
/// device, whichever is free; input order kept) → select (window policy) → sink (lake or file; reports what became
/// durable, which the source commits). The source and the sink are the command's; the stages are the same code.
/// </summary>
internal static class PipelineGraph
{
    /// <summary>The sink's pinned dispatcher: lake writes and fsyncs block their thread.</summary>
    public const string SinkDispatcher = "tokenclean.sink-dispatcher";

    /// <summary>Runs the graph; returns the switch that aborts it and the task that completes when the sink has finished.</summary>
    public static (UniqueKillSwitch Kill, Task Completion) Run(
        Source<ConsumedRecord, NotUsed> source,
        PipelineStages stages,
        Action<IReadOnlyList<FinishedRecord>> sink,
        IMaterializer materializer)
    {
        var depths = stages.Depths;
        var selector = new WindowSelector(stages.Policy);
        var (kill, done) = source
            .ViaMaterialized(KillSwitches.Single<ConsumedRecord>(), Keep.Right)
            .Batch(TokenizeChunk, record => new List<ConsumedRecord> { record }, static (chunk, record) => { chunk.Add(record); return chunk; })
            .SelectAsync(stages.TokenizeParallelism, chunk => Task.Run(() => TokenizeAll(stages.Tokenize, chunk)))
            .SelectMany(static chunk => chunk)
            .Async() // the batcher, scorers' replies and the window selection run beside the tokenize hand-back, not between its chunks
            .Via(new TokenBudgetBatcher(stages.BatchTokens, stages.BatchRecords, stages.BatchDelay, stages.IsCurrent, depths, () => depths.Scoring < stages.Devices))
            .SelectAsync(stages.ScoreParallelism, batch => Score(stages.Scorers, batch, depths))
            .Select(batch =>
            {
                depths.LeaveSelector();
                return selector.Select(batch);
            })
            .Where(static finished => finished.Count > 0)
            .Select(finished =>
            {
                depths.EnterSink();
                return finished;
            })
            .Async()
            .ToMaterialized(
                Akka.Streams.Dsl.Sink.ForEach<IReadOnlyList<FinishedRecord>>(finished =>
                    {
                        depths.LeaveSink();
                        sink(finished);
                    })
                    .WithAttributes(ActorAttributes.CreateDispatcher(SinkDispatcher).And(Attributes.CreateInputBuffer(stages.SinkBuffer, stages.SinkBuffer))),
                static (k, d) => (k, d))
            .Run(materializer);
        return (kill, done);
    }

    /// <summary>
    /// Records tokenized by one task at most. While the tokenizers are busy the records waiting for them are gathered
    /// (Batch adds no delay: it only aggregates under backpressure), so a task and a hand-back to the graph serve a
    /// chunk instead of each record; one per record cost ~25% more CPU per sample than TPL Dataflow's loop.
    /// </summary>
    private const int TokenizeChunk = 64;

    private static TokenizedRecord[] TokenizeAll(Func<ConsumedRecord, TokenizedRecord> tokenize, List<ConsumedRecord> chunk)
    {
        var result = new TokenizedRecord[chunk.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = tokenize(chunk[i]);
        }

        return result;
    }

    private static async Task<ScoredBatch> Score(IActorRef scorers, TokenBatch batch, StageDepths depths)
    {
        ScoredBatch scored;
        if (batch.Records.Count == 0)
        {
            scored = new ScoredBatch([], batch.FlushSelection);
        }
        else
        {
            depths.EnterScoring();
            try
            {
                scored = await scorers.Ask<ScoredBatch>(batch, Timeout.InfiniteTimeSpan).ConfigureAwait(false); // a Status.Failure reply throws here
            }
            finally
            {
                depths.LeaveScoring();
            }
        }

        depths.EnterSelector();
        return scored;
    }
}

/// <summary>The stages' settings and collaborators.</summary>
/// <param name="Tokenize">Parses and tokenizes one record; never throws (a bad record becomes a rejection).</param>
/// <param name="TokenizeParallelism">Records tokenized at once.</param>
/// <param name="BatchTokens">Token budget of a batch.</param>
/// <param name="BatchRecords">Most records in one batch.</param>
/// <param name="BatchDelay">Longest a batch waits for more records; also how long a quiet input waits before the selection window is written.</param>
/// <param name="IsCurrent">False for a record of an ended partition generation.</param>
/// <param name="Scorers">The <see cref="ScorerPool"/>.</param>
/// <param name="Devices">Scorer devices: a batch due by its delay closes only while one of them could start it.</param>
/// <param name="ScoreParallelism">
/// Batches asked of the pool at once: devices × BatchCapacity, so that a fast device runs ahead of a slow one while
/// the ordered step waits for the slow one's batch (the pool queues what no free scorer takes).
/// </param>
/// <param name="Policy">The selection policy (one per graph).</param>
/// <param name="SinkBuffer">Finished batches that may wait for the sink (a power of two).</param>
/// <param name="Depths">Queue depths for /status and the backpressure bounds.</param>
internal sealed record PipelineStages(
    Func<ConsumedRecord, TokenizedRecord> Tokenize,
    int TokenizeParallelism,
    long BatchTokens,
    int BatchRecords,
    TimeSpan BatchDelay,
    Func<ConsumedRecord, bool> IsCurrent,
    IActorRef Scorers,
    int Devices,
    int ScoreParallelism,
    Scoring.Selection.ISelectionPolicy Policy,
    int SinkBuffer,
    StageDepths Depths);
