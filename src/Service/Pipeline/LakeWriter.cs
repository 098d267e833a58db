using TokenClean.Core.Sources;
using Microsoft.Extensions.Logging;
using TokenClean.Service.Observability;
using TokenClean.Sink.Kafka;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The sink side of the pipeline: writes each finished item to the data lake (rows) or the dead-letter sink
/// (rejections, then <see cref="DataLakeSink.MarkProcessed"/>), and tells the <see cref="OffsetTracker"/> which
/// offsets are durable once the lake reports the file that holds them committed.
/// </summary>
/// <remarks>
/// The lake is single-threaded; every call here takes one lock: the sink block's writes, the commit timer and the
/// consumer thread's rebalance handling (which must flush before the partition is handed to another instance).
/// Items of a partition whose generation is no longer current are dropped: the partition was revoked.
/// </remarks>
internal sealed class LakeWriter : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Func<DataLakeSink> _reopen;
    private readonly ILogger? _log;
    private DataLakeSink _lake;
    private long? _lastRecovery;
    private volatile bool _resetPending;
    private readonly IDeadLetterSink _deadLetters;
    private readonly OffsetTracker _tracker;
    private readonly PartitionGenerations _generations;
    private readonly PipelineMetrics _metrics;
    private readonly Dictionary<(string Topic, int Partition), Queue<long>> _pending = [];
    private readonly List<PipelineItem> _rejected = [];

    public LakeWriter(
        DataLakeSink lake,
        IDeadLetterSink deadLetters,
        OffsetTracker tracker,
        PartitionGenerations generations,
        PipelineMetrics metrics,
        Func<DataLakeSink>? reopen = null,
        ILogger? log = null)
    {
        _lake = lake;
        _reopen = reopen ?? (() => throw new InvalidOperationException("this lake writer cannot reopen its lake"));
        _log = log;
        _deadLetters = deadLetters;
        _tracker = tracker;
        _generations = generations;
        _metrics = metrics;
    }

    /// <summary>
    /// Optional Kafka output (owned: disposed with the writer). Each batch's rows are published and acknowledged
    /// (acks=all) before the lake is given their offsets, like dead letters: a lake file, and so a committed input
    /// offset, never covers a row the topic might not have. The topic is at least once (a crash between the
    /// acknowledgement and the lake commit publishes the rows again; their headers carry the source offsets).
    /// </summary>
    public KafkaArrowSink? Output { get; init; }

    /// <summary>False: rows go to <see cref="Output"/> only; the lake just marks their offsets processed.</summary>
    public bool LakeRows { get; init; } = true;

    /// <summary>Rows written since start.</summary>
    public long Written { get; private set; }

    /// <summary>Records dead-lettered since start.</summary>
    public long DeadLettered { get; private set; }

    /// <summary>Stale records dropped (their partition was revoked).</summary>
    public long Dropped { get; private set; }

    /// <summary>
    /// Takes over a newly assigned partition: removes the temporary files a previous owner (this process before a
    /// crash, or another instance sharing the lake) left for it, and returns its next offset on disk.
    /// </summary>
    public long Resume(string topic, int partition)
    {
        lock (_gate)
        {
            return _lake.Resume(SourcePartition.Kafka(topic, partition));
        }
    }

    /// <summary>Writes one batch of finished items in order.</summary>
    /// <exception cref="LakeWriteException">The lake failed (the service must stop).</exception>
    /// <exception cref="IOException">Dead letters could not be made durable.</exception>
    public void Write(IReadOnlyList<PipelineItem> items, string baseModel)
    {
        lock (_gate)
        {
            try
            {
                WriteLocked(items, baseModel);
            }
            catch (LakeWriteException e)
            {
                Recover(e);
            }
        }
    }

    /// <summary>
    /// True once after the lake was reopened: every partition's generation ended, and the consumer must start new
    /// ones and seek each partition back to the lake's next offset.
    /// </summary>
    public bool TakeReset()
    {
        if (!_resetPending)
        {
            return false;
        }

        _resetPending = false;
        return true;
    }

    private void WriteLocked(IReadOnlyList<PipelineItem> items, string baseModel)
    {
        _rejected.Clear();
        foreach (var item in items)
        {
            if (item.Rejection is not null && _generations.IsCurrent(item.Record))
            {
                _rejected.Add(item);
            }
        }

        // Durable before the lake may cover their offsets: a committed lake file is never re-read.
        if (_rejected.Count > 0)
        {
            _deadLetters.WriteDurably(_rejected);
        }

        if (Output is not null)
        {
            PublishDurably(items, baseModel);
        }

        foreach (var item in items)
        {
            var r = item.Record;
            if (!_generations.IsCurrent(r))
            {
                Dropped++;
                continue;
            }

            var source = SourcePartition.Kafka(r.Topic, r.Partition);
            LakeAppendResult result;
            if (item.IsRejected)
            {
                result = _lake.MarkProcessed(source, r.Offset);
                DeadLettered++;
                _metrics.DeadLettered(item.Rejection!.Code); // stale items are never current: they were dropped above
            }
            else
            {
                var selected = item.Selected!;
                var scored = selected.Scored;
                result = LakeRows ? _lake.Append(source, r.Offset, ToOutputRecord(item, baseModel)) : _lake.MarkProcessed(source, r.Offset);
                Written++;
                _metrics.SampleWritten();
                _metrics.Selected(scored.ResponseTokens, selected.KeptTokens);
            }

            if (result.Accepted || r.Offset >= _lake.NextOffset(source))
            {
                // Written now, or a repeat of an offset the open file already holds: durable when that file commits.
                Pending(r.Topic, r.Partition).Enqueue(r.Offset);
            }
            else
            {
                _tracker.Done(r.Topic, r.Partition, r.Offset); // already in a committed file
            }

            Committed(result.Committed);
        }
    }

    private static OutputRecord ToOutputRecord(PipelineItem item, string baseModel) =>
        OutputRecord.From(
            item.Selected!, SourcePartition.Kafka(item.Record.Topic, item.Record.Partition).At(item.Record.Offset),
            baseModel, item.ReferenceVersion ?? "unknown", item.ScoredAt);

    /// <summary>Publishes the batch's rows to <see cref="Output"/> and waits for the brokers' acknowledgement.</summary>
    /// <exception cref="Confluent.Kafka.ProduceException{TKey, TValue}">A delivery failed (fatal: the service stops).</exception>
    private void PublishDurably(IReadOnlyList<PipelineItem> items, string baseModel)
    {
        var any = false;
        foreach (var item in items)
        {
            var r = item.Record;
            var source = SourcePartition.Kafka(r.Topic, r.Partition);
            // Offsets the lake already committed were published before (a replay after a takeover): skip them.
            if (item.IsRejected || !_generations.IsCurrent(r) || r.Offset < _lake.NextOffset(source))
            {
                continue;
            }

            Output!.Append(source, r.Offset, ToOutputRecord(item, baseModel));
            any = true;
        }

        if (any)
        {
            Output!.FlushAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>Commits files older than the lake's maximum age (timer).</summary>
    public void CommitDue()
    {
        lock (_gate)
        {
            try
            {
                Committed(_lake.CommitDue());
            }
            catch (LakeWriteException e)
            {
                Recover(e);
            }
        }
    }

    /// <summary>Commits every open file: on return everything written so far is durable and tracked as done.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            Committed(_lake.Flush());
        }
    }

    /// <summary>
    /// Called on the consumer thread when partitions are revoked: ends their generation (nothing more of them is
    /// written), commits the lake, and returns what may be committed to Kafka for them.
    /// </summary>
    public IReadOnlyList<(string Topic, int Partition, long Offset)> Revoke(IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        lock (_gate)
        {
            foreach (var (t, p) in partitions)
            {
                _generations.Revoke(t, p);
            }

            try
            {
                Committed(_lake.Flush());
            }
            catch (LakeWriteException e)
            {
                Recover(e); // nothing of the failed files is committed; the revoked partitions' durable offsets still are
            }

            var result = new List<(string, int, long)>();
            foreach (var c in _tracker.Committable())
            {
                foreach (var (t, p) in partitions)
                {
                    if (c.Topic == t && c.Partition == p)
                    {
                        result.Add(c);
                    }
                }
            }

            foreach (var (t, p) in partitions)
            {
                _tracker.Revoke(t, p);
                _pending.Remove((t, p));
                _deadLetters.Forget(t, p);
            }

            return result;
        }
    }

    /// <summary>
    /// Called on the consumer thread when partitions are lost (session expired): ends their generation and discards
    /// their open lake files uncommitted. Another instance may already own them and write the same offsets, so
    /// committing those files could overlap its output; nothing of them is reported durable either.
    /// </summary>
    public void Lose(IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        lock (_gate)
        {
            foreach (var (t, p) in partitions)
            {
                _generations.Revoke(t, p);
                _tracker.Revoke(t, p);
                _pending.Remove((t, p));
                _deadLetters.Forget(t, p);
                try
                {
                    if (_lake.Discard(SourcePartition.Kafka(t, p)))
                    {
                        _log?.LogWarning("{Topic}[{Partition}] lost: its open lake file was discarded uncommitted", t, p);
                    }
                }
                catch (LakeWriteException)
                {
                    // The lake failed earlier (recovery pending or fatal): it holds no open file to discard.
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _deadLetters.Dispose();
            Output?.Dispose();
            _lake.Dispose();
        }
    }

    /// <summary>
    /// A lake write failed: nothing of the failed files was committed. Dispose, reopen (the scan removes nothing of
    /// other instances), end every partition's generation so in-flight records are dropped, and ask the consumer to
    /// seek back. A second failure within 10 s of a recovery, or a failing reopen, is fatal (rethrown).
    /// </summary>
    private void Recover(LakeWriteException e)
    {
        var now = Environment.TickCount64;
        if (now - _lastRecovery < 10_000)
        {
            throw new LakeWriteException("the data lake failed again within 10 s of a recovery: " + e.Message, e);
        }

        _lastRecovery = now;
        _log?.LogWarning(e, "Lake write failed; reopening the lake and re-consuming from its committed offsets: {Message}", e.Message);
        try
        {
            _lake.Dispose(); // deletes what is left of its temporary files: never acknowledged
        }
        catch (Exception d) when (d is IOException or UnauthorizedAccessException)
        {
            _log?.LogWarning("Discarding the failed lake's files: {Message}", d.Message);
        }

        _lake = _reopen();
        foreach (var (topic, partition, _) in _generations.Snapshot())
        {
            _generations.Revoke(topic, partition);
            _tracker.Revoke(topic, partition);
            _deadLetters.Forget(topic, partition);
        }

        _pending.Clear();
        _resetPending = true;
    }

    private Queue<long> Pending(string topic, int partition)
    {
        if (!_pending.TryGetValue((topic, partition), out var q))
        {
            q = new Queue<long>();
            _pending[(topic, partition)] = q;
        }

        return q;
    }

    private void Committed(IReadOnlyList<CommittedFile> files)
    {
        foreach (var file in files)
        {
            if (file.Source.Partition is not { } partition || !_pending.TryGetValue((file.Source.Topic, partition), out var q))
            {
                continue;
            }

            while (q.Count > 0 && q.Peek() <= file.LastOffset)
            {
                _tracker.Done(file.Source.Topic, partition, q.Dequeue());
            }
        }
    }
}
