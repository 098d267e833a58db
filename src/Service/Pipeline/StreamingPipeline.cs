using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.Logging;
using TokenClean.Ingest.Samples;
using TokenClean.Scoring;
using TokenClean.Scoring.Influence;
using TokenClean.Scoring.Selection;
using TokenClean.Service.Observability;
using TokenClean.Service.Refresh;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The dataflow blocks of <c>tokenclean serve</c>, each an actor with a bounded mailbox:
/// tokenize (parallel, ordered) → batcher (token budget, max delay) → scorer (one per device; base + a reference
/// lease per batch) → selector (windowed global top-k) → sink (lake + dead letters; <see cref="LakeWriter"/>).
/// Items keep input order end to end, which the lake needs (offsets of a partition arrive increasing).
/// </summary>
/// <remarks>
/// Every block delegate catches: a bad record becomes a dead letter with its reason; anything else (the lake or
/// the dead-letter sink failing, a bug) is reported through the fatal callback, which stops the service, and the
/// block faults (completion propagates it). <see cref="TryPost"/> never blocks: a full mailbox returns false and the
/// Kafka source pauses its partitions.
/// </remarks>
internal sealed class StreamingPipeline
{
    private static readonly PipelineItem Tick = new(new InputRecord(string.Empty, -1, -1, -1, null, null));

    private readonly SampleEncoder _encoder;
    private readonly ITokenLossModel _base;
    private readonly IReferenceModelProvider _references;
    private readonly LakeWriter _writer;
    private readonly PartitionGenerations _generations;
    private readonly PipelineMetrics _metrics;
    private readonly ILogger _log;
    private readonly Action<Exception> _fatal;
    private readonly ServeSettings _settings;
    private readonly int _maxLength;
    private readonly ISelectionPolicy _policy;

    // Scorer devices: base model i lives on device i; a batch being scored holds its device's index.
    private readonly IReadOnlyList<ITokenLossModel> _bases;
    private readonly System.Collections.Concurrent.ConcurrentQueue<int> _freeDevices = new();

    private readonly TransformBlock<InputRecord, PipelineItem> _tokenize;
    private readonly ActionBlock<PipelineItem> _batcher;
    private readonly TransformBlock<ScoreBatch, ScoreBatch> _score;
    private readonly TransformManyBlock<ScoreBatch, ScoreBatch> _select;
    private readonly ActionBlock<ScoreBatch> _sink;
    private readonly Timer _ticker;

    // Batcher state: touched only by the batcher block (one message at a time).
    private List<PipelineItem> _batch = [];
    private int _batchTokens;
    private long _batchStarted;
    private long _lastItem;
    private bool _quietSent = true;

    // Selector state: touched only by the selector block.
    private readonly Queue<PipelineItem> _selectQueue = new();
    private readonly Dictionary<ScoredSample, PipelineItem> _selectPending = new(ReferenceEqualityComparer.Instance);
    private readonly List<SelectedSample> _completed = [];

    public StreamingPipeline(
        ServeSettings settings,
        SampleEncoder encoder,
        ITokenLossModel baseModel,
        IReferenceModelProvider references,
        LakeWriter writer,
        PartitionGenerations generations,
        PipelineMetrics metrics,
        ISelectionPolicy policy,
        ILogger log,
        Action<Exception> fatal,
        IReadOnlyList<ITokenLossModel>? deviceBases = null)
    {
        _settings = settings;
        _encoder = encoder;
        _base = baseModel;
        _references = references;
        _writer = writer;
        _generations = generations;
        _metrics = metrics;
        _log = log;
        _fatal = fatal;
        _maxLength = settings.Models.MaxTokens > 0 ? Math.Min(settings.Models.MaxTokens, baseModel.MaxSequenceLength) : baseModel.MaxSequenceLength;
        _policy = policy;
        _bases = deviceBases is { Count: > 0 } ? deviceBases : [baseModel];
        for (var d = 0; d < _bases.Count; d++)
        {
            _freeDevices.Enqueue(d);
        }

        var p = settings.Pipeline;
        _tokenize = new TransformBlock<InputRecord, PipelineItem>(Tokenize, new ExecutionDataflowBlockOptions
        {
            BoundedCapacity = p.TokenizeCapacity,
            MaxDegreeOfParallelism = p.TokenizeParallelism,
            EnsureOrdered = true,
            SingleProducerConstrained = true,
        });
        _batcher = new ActionBlock<PipelineItem>(Batch, new ExecutionDataflowBlockOptions { BoundedCapacity = p.BatcherCapacity });
        // One scorer per device: each running batch holds a device of its own, the next batch goes to whichever is
        // free, and EnsureOrdered hands the batches on in input order whichever device finishes first.
        _score = new TransformBlock<ScoreBatch, ScoreBatch>(Score, new ExecutionDataflowBlockOptions
        {
            BoundedCapacity = p.BatchCapacity * _bases.Count,
            MaxDegreeOfParallelism = _bases.Count,
            EnsureOrdered = true,
        });
        _select = new TransformManyBlock<ScoreBatch, ScoreBatch>(Select, new ExecutionDataflowBlockOptions { BoundedCapacity = p.BatchCapacity });
        _sink = new ActionBlock<ScoreBatch>(Sink, new ExecutionDataflowBlockOptions { BoundedCapacity = p.BatchCapacity });

        var link = new DataflowLinkOptions { PropagateCompletion = true };
        _tokenize.LinkTo(_batcher, link);
        _score.LinkTo(_select, link);
        _select.LinkTo(_sink, link);
        _batcher.Completion.ContinueWith(FinishBatcher, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

        metrics.RegisterQueue("tokenize", () => _tokenize.InputCount + _tokenize.OutputCount);
        metrics.RegisterQueue("batcher", () => _batcher.InputCount);
        metrics.RegisterQueue("scorer", () => _score.InputCount);
        metrics.RegisterQueue("selector", () => _select.InputCount);
        metrics.RegisterQueue("sink", () => _sink.InputCount);

        var tick = TimeSpan.FromMilliseconds(Math.Max(1, settings.Batching.MaxDelayMs / 2));
        _ticker = new Timer(_ => _batcher.Post(Tick), null, tick, tick);
    }

    /// <summary>Completes when everything posted has been written (or the pipeline faulted).</summary>
    public Task Completion => _sink.Completion;

    /// <summary>Completes when every block has stopped (faulted ones included); never throws.</summary>
    public Task AllBlocksCompletion =>
        Task.WhenAll(_tokenize.Completion, _batcher.Completion, _score.Completion, _select.Completion, _sink.Completion)
            .ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    /// <summary>Stops every block now: queued messages are dropped (their offsets stay uncommitted), running delegates finish.</summary>
    public void Abort()
    {
        _ticker.Dispose();
        var reason = new OperationCanceledException("the pipeline was aborted");
        ((IDataflowBlock)_tokenize).Fault(reason);
        ((IDataflowBlock)_batcher).Fault(reason);
        ((IDataflowBlock)_score).Fault(reason);
        ((IDataflowBlock)_select).Fault(reason);
        ((IDataflowBlock)_sink).Fault(reason);
    }

    /// <summary>Mailbox depths, for /status.</summary>
    public IReadOnlyDictionary<string, int> QueueDepths() => new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["tokenize"] = _tokenize.InputCount + _tokenize.OutputCount,
        ["batcher"] = _batcher.InputCount,
        ["scorer"] = _score.InputCount,
        ["selector"] = _select.InputCount,
        ["sink"] = _sink.InputCount,
    };

    /// <summary>Hands a record to the pipeline; false when the first mailbox is full (pause, retry later).</summary>
    public bool TryPost(InputRecord record) => _tokenize.Post(record);

    /// <summary>No more input: drain what is in flight (the batcher scores its partial batch, the selector flushes).</summary>
    public void Complete()
    {
        _ticker.Dispose();
        _tokenize.Complete();
    }

    /// <summary>
    /// Stops every block that has not completed (a faulted sink leaves the scorer running its mailbox) and waits, at
    /// most <paramref name="timeout"/>, until no block delegate runs any more: only then may the models and the lake
    /// be disposed. Returns whether every block stopped in time. A no-op after a complete drain.
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        _ticker.Dispose();
        IDataflowBlock[] blocks = [_tokenize, _batcher, _score, _select, _sink];
        var completions = new Task[blocks.Length];
        for (var i = 0; i < blocks.Length; i++)
        {
            if (!blocks[i].Completion.IsCompleted)
            {
                blocks[i].Fault(new OperationCanceledException("the pipeline was stopped"));
            }

            completions[i] = blocks[i].Completion;
        }

        return Task.WhenAll(completions).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Wait(timeout);
    }

    private PipelineItem Tokenize(InputRecord record)
    {
        var item = new PipelineItem(record);
        try
        {
            if (record.Value is null)
            {
                item.Reject(RejectionReason.EmptyMessage, "the record has no value (a tombstone)");
                return item;
            }

            var result = _encoder.Process(record.Value);
            if (!result.IsSuccess)
            {
                item.Reject(result.Rejection);
                return item;
            }

            var s = result.Value;
            item.SampleId = s.Id;
            item.Sample = s;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // SampleEncoder promises not to throw for any bytes; if it does, the record still must not stop the stream.
            item.Reject(RejectionReason.InternalError, "tokenization failed: " + e.Message);
        }

        return item;
    }

    private async Task Batch(PipelineItem item)
    {
        try
        {
            var now = Environment.TickCount64;
            if (ReferenceEquals(item, Tick))
            {
                if (_batch.Count > 0 && now - _batchStarted >= _settings.Batching.MaxDelayMs)
                {
                    await FlushBatch(flushSelection: false).ConfigureAwait(false);
                }
                else if (_batch.Count == 0 && !_quietSent && now - _lastItem >= _settings.Batching.MaxDelayMs)
                {
                    // The input went quiet: close the selection window so its samples are written now.
                    _quietSent = true;
                    await _score.SendAsync(new ScoreBatch([], flushSelection: true)).ConfigureAwait(false);
                }

                return;
            }

            _lastItem = now;
            _quietSent = false;
            if (!_generations.IsCurrent(item.Record))
            {
                return; // revoked while waiting: do not spend the scorer on it
            }

            var tokens = item.Sample?.Length ?? 0;
            if (_batch.Count > 0 && _batchTokens + tokens > _settings.Batching.MaxTokens)
            {
                await FlushBatch(flushSelection: false).ConfigureAwait(false);
            }

            if (_batch.Count == 0)
            {
                _batchStarted = now;
            }

            _batch.Add(item);
            _batchTokens += tokens;
            if (_batchTokens >= _settings.Batching.MaxTokens || _batch.Count >= 4096)
            {
                await FlushBatch(flushSelection: false).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _fatal(e);
            throw;
        }
    }

    private async Task FlushBatch(bool flushSelection)
    {
        var batch = new ScoreBatch(_batch, flushSelection) { Tokens = _batchTokens };
        _batch = [];
        _batchTokens = 0;
        if (!await _score.SendAsync(batch).ConfigureAwait(false))
        {
            throw new InvalidOperationException("the scorer stopped accepting batches");
        }
    }

    private void FinishBatcher(Task completion)
    {
        if (completion.IsFaulted)
        {
            ((IDataflowBlock)_score).Fault(completion.Exception!.GetBaseException());
            return;
        }

        try
        {
            FlushBatch(flushSelection: true).GetAwaiter().GetResult();
            _score.Complete();
        }
        catch (Exception e)
        {
            _fatal(e);
            ((IDataflowBlock)_score).Fault(e);
        }
    }

    private ScoreBatch Score(ScoreBatch batch)
    {
        try
        {
            if (batch.Items.Count == 0)
            {
                return batch;
            }

            using var device = RentDevice();
            using var lease = _references.Acquire(device.Index);
            var scorer = new InfluenceScorer(_bases[device.Index], lease.Model);
            var samples = new List<TokenizedSample>(batch.Items.Count);
            var items = new List<PipelineItem>(batch.Items.Count);
            var now = DateTimeOffset.UtcNow;
            long tokens = 0;
            foreach (var item in batch.Items)
            {
                item.ReferenceVersion = lease.Version;
                item.ScoredAt = now;
                if (item.Sample is null || !_generations.IsCurrent(item.Record))
                {
                    continue;
                }

                var rejection = scorer.Validate(item.Sample, _maxLength);
                if (rejection is not null)
                {
                    item.Reject(rejection);
                    continue;
                }

                samples.Add(item.Sample);
                items.Add(item);
                tokens += item.Sample.Length;
            }

            if (samples.Count > 0)
            {
                ScoreAll(scorer, samples, items);
                _metrics.BatchScored(tokens, _settings.Batching.MaxTokens);
            }

            return batch;
        }
        catch (Exception e)
        {
            _fatal(e);
            throw;
        }
    }

    /// <summary>
    /// Takes a free scorer device until disposed. At most one batch per device runs (MaxDegreeOfParallelism = devices),
    /// so one is always free here.
    /// </summary>
    private RentedDevice RentDevice() =>
        _freeDevices.TryDequeue(out var index)
            ? new RentedDevice(_freeDevices, index)
            : throw new InvalidOperationException("no free scorer device: more batches run than there are devices");

    private readonly struct RentedDevice(System.Collections.Concurrent.ConcurrentQueue<int> free, int index) : IDisposable
    {
        public int Index => index;

        public void Dispose() => free.Enqueue(index);
    }

    private void ScoreAll(InfluenceScorer scorer, List<TokenizedSample> samples, List<PipelineItem> items)
    {
        try
        {
            var scored = scorer.Score(samples);
            for (var i = 0; i < scored.Length; i++)
            {
                items[i].Scored = scored[i];
                _metrics.Influence(scored[i].Influence);
            }

            return;
        }
        catch (Exception e) when (e is not OutOfMemoryException && samples.Count > 1)
        {
            _log.LogWarning(e, "Scoring a batch of {Count} samples failed; scoring them one by one", samples.Count);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            items[0].Reject(RejectionReason.ScoringFailed, e.Message);
            return;
        }

        for (var i = 0; i < samples.Count; i++)
        {
            try
            {
                items[i].Scored = scorer.Score([samples[i]])[0];
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                items[i].Reject(RejectionReason.ScoringFailed, e.Message);
            }
        }
    }

    private IEnumerable<ScoreBatch> Select(ScoreBatch batch)
    {
        try
        {
            foreach (var item in batch.Items)
            {
                _selectQueue.Enqueue(item);
                if (item.Scored is { } scored)
                {
                    _selectPending[scored] = item;
                    _policy.Add(scored, _completed);
                }
                else if (!item.IsRejected)
                {
                    item.MarkStale(); // revoked before scoring: dropped by the sink, its generation is over
                }
            }

            if (batch.FlushSelection)
            {
                _policy.Flush(_completed);
            }

            foreach (var s in _completed)
            {
                if (_selectPending.Remove(s.Scored, out var owner))
                {
                    owner.Selected = s;
                }
            }

            _completed.Clear();
            var ready = new List<PipelineItem>();
            while (_selectQueue.Count > 0 && (_selectQueue.Peek().IsRejected || _selectQueue.Peek().Selected is not null))
            {
                ready.Add(_selectQueue.Dequeue());
            }

            return ready.Count == 0 ? [] : [new ScoreBatch(ready, false)];
        }
        catch (Exception e)
        {
            _fatal(e);
            throw;
        }
    }

    private void Sink(ScoreBatch batch)
    {
        try
        {
            _writer.Write(batch.Items, _base.Version);
        }
        catch (Exception e)
        {
            _fatal(e);
            throw;
        }
    }
}
