using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using TokenClean.Scoring;
using TokenClean.Scoring.Selection;
using TokenClean.Service.Observability;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// One running pipeline: the scorer actors (one per device, in a <see cref="ScorerPool"/>), the
/// <see cref="ReferenceRefresher"/>, and the <see cref="PipelineGraph"/> between the command's source and sink.
/// <see cref="Stop"/> returns only when nothing uses the models or the sink any more.
/// </summary>
internal sealed class PipelineCore
{
    private static int _instances;
    private readonly ActorSystem _system;
    private readonly List<ScoringDevice> _devices;
    private readonly IActorRef _pool;
    private readonly IActorRef _refresher;
    private readonly UniqueKillSwitch _kill;
    private bool _stopped;

    private PipelineCore(ActorSystem system, List<ScoringDevice> devices, IActorRef pool, IActorRef refresher, UniqueKillSwitch kill, Task completion)
    {
        _system = system;
        _devices = devices;
        _pool = pool;
        _refresher = refresher;
        _kill = kill;
        Completion = completion;
    }

    /// <summary>Completes when the sink has written everything (the source completed) or the graph failed.</summary>
    public Task Completion { get; }

    /// <summary>Starts the scorers and runs the graph from <paramref name="source"/> to <paramref name="sink"/>.</summary>
    /// <param name="system">The actor system (the host's, or a test's).</param>
    /// <param name="settings">Pipeline capacities, batching and the scorer devices.</param>
    /// <param name="tokenize">The parse + tokenize step (serve: <see cref="Tokenize.Record"/>; clean: its line parser).</param>
    /// <param name="bases">The base model on each scorer device (owned by the caller, disposed after <see cref="Stop"/>).</param>
    /// <param name="references">Where each device's reference comes from (a fixed model, or the refresher).</param>
    /// <param name="policy">The selection policy.</param>
    /// <param name="isCurrent">False for a record of an ended partition generation.</param>
    /// <param name="metrics">Pipeline metrics.</param>
    /// <param name="depths">Queue depths (the source raises the tokenize count when it hands a record over).</param>
    /// <param name="source">The records.</param>
    /// <param name="sink">Writes finished records in order; throwing stops the pipeline (fatal).</param>
    public static PipelineCore Start(
        ActorSystem system,
        ServeSettings settings,
        Func<ConsumedRecord, TokenizedRecord> tokenize,
        IReadOnlyList<ITokenLossModel> bases,
        IReferenceModelProvider references,
        ISelectionPolicy policy,
        Func<ConsumedRecord, bool> isCurrent,
        PipelineMetrics? metrics,
        StageDepths depths,
        Source<ConsumedRecord, NotUsed> source,
        Action<IReadOnlyList<FinishedRecord>> sink)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfZero(bases.Count);
        var id = Interlocked.Increment(ref _instances);
        var devices = new List<ScoringDevice>(bases.Count);
        for (var d = 0; d < bases.Count; d++)
        {
            devices.Add(new ScoringDevice(d, bases[d], references.Acquire(d)));
        }

        var maxLength = settings.Models.MaxTokens > 0 ? Math.Min(settings.Models.MaxTokens, bases[0].MaxSequenceLength) : bases[0].MaxSequenceLength;
        var options = new ScorerOptions(maxLength, isCurrent, settings.Batching.MaxTokens, metrics);
        var pool = system.ActorOf(ScorerPool.Props(devices, options), "scorers-" + id);
        var refresher = system.ActorOf(
            ReferenceRefresher.Props(references, pool, devices.Count, devices[0].ReferenceVersion, TimeSpan.FromMilliseconds(50)),
            "reference-refresher-" + id);
        if (metrics is not null)
        {
            depths.Register(metrics);
        }

        var p = settings.Pipeline;
        var stages = new PipelineStages(
            tokenize,
            Math.Max(1, p.TokenizeParallelism),
            settings.Batching.MaxTokens,
            Math.Max(1, p.BatcherCapacity),
            TimeSpan.FromMilliseconds(settings.Batching.MaxDelayMs),
            isCurrent,
            pool,
            devices.Count,
            devices.Count * Math.Max(1, p.BatchCapacity),
            policy,
            (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, p.BatchCapacity)),
            depths);
        var (kill, completion) = PipelineGraph.Run(source, stages, sink, system.Materializer(namePrefix: "pipeline-" + id));
        return new PipelineCore(system, devices, pool, refresher, kill, completion);
    }

    /// <summary>Stops the graph now: what is queued is dropped (its offsets stay uncommitted).</summary>
    public void Abort() => _kill.Abort(new OperationCanceledException("the pipeline was aborted"));

    /// <summary>
    /// Stops whatever still runs (aborting the graph unless it completed) and waits, at most
    /// <paramref name="timeout"/>, until the sink and every scorer have stopped: only then may the models and the
    /// lake be disposed. Returns whether they stopped in time. The devices' reference leases are released.
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        if (_stopped)
        {
            return true;
        }

        if (!Completion.IsCompleted)
        {
            Abort();
        }

        var until = DateTime.UtcNow + (timeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromDays(1) : timeout);
        var sinkStopped = Completion.ContinueWith(static _ => { }, TaskScheduler.Default).Wait(Remaining(until));
        _system.Stop(_refresher);
        var terminated = _pool.WatchAsync();
        _system.Stop(_pool); // each scorer stops after its current batch; the pool terminates after its scorers
        var scorersStopped = terminated.Wait(Remaining(until));
        if (!sinkStopped || !scorersStopped)
        {
            return false;
        }

        foreach (var device in _devices)
        {
            device.Dispose();
        }

        _stopped = true;
        return true;
    }

    private static TimeSpan Remaining(DateTime until)
    {
        var left = until - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
