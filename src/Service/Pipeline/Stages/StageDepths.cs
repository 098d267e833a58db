namespace TokenClean.Service.Pipeline;

/// <summary>
/// How many messages wait in front of each step, for /status, the bench and the backpressure bounds: counters that
/// a message's producer raises and its consumer lowers. Thread-safe.
/// </summary>
internal sealed class StageDepths
{
    private int _tokenize;
    private int _batcher;
    private int _scorer;
    private int _selector;
    private int _sink;
    private int _scoring;

    /// <summary>Records handed to the graph and not yet taken by the batcher (the source's admission bound).</summary>
    public int Tokenize => Volatile.Read(ref _tokenize);

    public void EnterTokenize() => Interlocked.Increment(ref _tokenize);

    public void LeaveTokenize() => Interlocked.Decrement(ref _tokenize);

    /// <summary>Records in the open batch.</summary>
    public void SetBatcher(int records) => Volatile.Write(ref _batcher, records);

    /// <summary>Batches waiting for a free scorer.</summary>
    public void EnterScorer() => Interlocked.Increment(ref _scorer);

    public void LeaveScorer() => Interlocked.Decrement(ref _scorer);

    /// <summary>Batches handed to the scorer pool and not yet answered (queued in the pool or being scored).</summary>
    public int Scoring => Volatile.Read(ref _scoring);

    public void EnterScoring() => Interlocked.Increment(ref _scoring);

    public void LeaveScoring() => Interlocked.Decrement(ref _scoring);

    /// <summary>Scored batches waiting for the selection stage.</summary>
    public void EnterSelector() => Interlocked.Increment(ref _selector);

    public void LeaveSelector() => Interlocked.Decrement(ref _selector);

    /// <summary>Finished batches waiting for the sink.</summary>
    public void EnterSink() => Interlocked.Increment(ref _sink);

    public void LeaveSink() => Interlocked.Decrement(ref _sink);

    public IReadOnlyDictionary<string, int> Snapshot() => new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["tokenize"] = Volatile.Read(ref _tokenize),
        ["batcher"] = Volatile.Read(ref _batcher),
        ["scorer"] = Volatile.Read(ref _scorer),
        ["selector"] = Volatile.Read(ref _selector),
        ["sink"] = Volatile.Read(ref _sink),
    };

    public void Register(Observability.PipelineMetrics metrics)
    {
        metrics.RegisterQueue("tokenize", () => Volatile.Read(ref _tokenize));
        metrics.RegisterQueue("batcher", () => Volatile.Read(ref _batcher));
        metrics.RegisterQueue("scorer", () => Volatile.Read(ref _scorer));
        metrics.RegisterQueue("selector", () => Volatile.Read(ref _selector));
        metrics.RegisterQueue("sink", () => Volatile.Read(ref _sink));
    }
}
