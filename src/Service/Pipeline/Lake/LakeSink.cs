using TokenClean.Sink.Output;
using Microsoft.Extensions.Logging;
using TokenClean.Core.Sources;
using TokenClean.Service.Observability;
using TokenClean.Sink.Kafka;
using TokenClean.Sink.Lake;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The sink of <c>serve</c>: writes each finished batch, in order, to the dead letters (rejections, durable first),
/// the optional Kafka output topic (acknowledged next) and the data lake (rows, or the offsets of dead letters as
/// processed), and <see cref="SinkReports">reports</see> offsets as durable once the lake file holding them is
/// committed. Its own timer commits files older than the lake's maximum age. A failed lake write reopens the lake and
/// reports <see cref="LakeReopened"/>.
/// </summary>
/// <remarks>
/// One lock: the graph's sink stage calls <see cref="Write"/>, the timer calls the age check, and the partition owner
/// calls <see cref="Resume"/>, <see cref="Flush"/>, <see cref="Forget"/> and <see cref="Discard"/> on the consumer
/// thread (a revocation must flush before its callback returns). Records of an ended generation are dropped.
/// </remarks>
internal sealed class LakeSink : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Func<DataLakeSink> _reopen;
    private readonly ILogger? _log;
    private readonly IDeadLetterSink _deadLetters;
    private readonly PartitionGenerations _generations;
    private readonly PipelineMetrics _metrics;
    private readonly SinkReports _reports;
    private readonly string _baseModel;
    private readonly Dictionary<SourcePartition, Queue<long>> _pending = [];
    private readonly List<FinishedRecord> _rejected = [];
    private DataLakeSink _lake;
    private long? _lastRecovery;
    private int _staleThrough;
    private Timer? _ageTimer;
    private bool _disposed;

    public LakeSink(
        DataLakeSink lake,
        IDeadLetterSink deadLetters,
        PartitionGenerations generations,
        SinkReports reports,
        PipelineMetrics metrics,
        string baseModel,
        Func<DataLakeSink>? reopen = null,
        ILogger? log = null)
    {
        _lake = lake;
        _deadLetters = deadLetters;
        _generations = generations;
        _reports = reports;
        _metrics = metrics;
        _baseModel = baseModel;
        _reopen = reopen ?? (() => throw new InvalidOperationException("this sink cannot reopen its lake"));
        _log = log;
    }

    /// <summary>
    /// Optional Kafka output (owned: disposed with the sink). A batch's rows are published and acknowledged (acks=all)
    /// before the lake is given their offsets: a lake file, and so a committed input offset, never covers a row the
    /// topic might not have. The topic is at least once (a crash between the acknowledgement and the lake commit
    /// publishes the rows again; their headers carry the source offsets).
    /// </summary>
    public KafkaArrowSink? Output { get; init; }

    /// <summary>False: rows go to <see cref="Output"/> only; the lake just marks their offsets processed.</summary>
    public bool LakeRows { get; init; } = true;

    /// <summary>Rows carry their per-token losses (the lake's schema has <c>base_loss</c> and <c>ref_loss</c>).</summary>
    public bool EmitLosses { get; init; }

    /// <summary>Rows written since start.</summary>
    public long Written { get; private set; }

    /// <summary>Records dead-lettered since start.</summary>
    public long DeadLettered { get; private set; }

    /// <summary>Stale records dropped (their partition was revoked).</summary>
    public long Dropped { get; private set; }

    /// <summary>
    /// Starts the sink's commit clock: every second, files older than the lake's maximum age are committed (and their
    /// offsets reported). A failure that cannot be recovered goes to <paramref name="fatal"/>.
    /// </summary>
    public void StartCommitTimer(Action<Exception> fatal) =>
        _ageTimer = new Timer(_ =>
        {
            try
            {
                CommitDue();
            }
            catch (Exception e)
            {
                fatal(e);
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

    /// <summary>
    /// Takes over a newly assigned partition: removes the temporary files a previous owner (this process before a
    /// crash, or another instance sharing the lake) left for it, and returns its next offset on disk.
    /// </summary>
    public long Resume(SourcePartition partition)
    {
        lock (_gate)
        {
            return _lake.Resume(partition);
        }
    }

    /// <summary>Writes one batch of finished records in order (the graph's sink step).</summary>
    /// <exception cref="LakeWriteException">The lake failed again right after a recovery (the service must stop).</exception>
    /// <exception cref="IOException">Dead letters could not be made durable.</exception>
    public void Write(IReadOnlyList<FinishedRecord> records)
    {
        lock (_gate)
        {
            try
            {
                WriteLocked(records);
            }
            catch (LakeWriteException e)
            {
                Recover(e);
            }
        }
    }

    /// <summary>Commits files older than the lake's maximum age.</summary>
    public void CommitDue()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

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

    /// <summary>
    /// Commits every open file and reports their offsets durable. On a revocation the failure of a file is recovered
    /// (<paramref name="recover"/>): the durable offsets of the revoked partitions are still committed.
    /// </summary>
    public void Flush(bool recover = false)
    {
        lock (_gate)
        {
            try
            {
                Committed(_lake.Flush());
            }
            catch (LakeWriteException e) when (recover)
            {
                Recover(e);
            }
        }
    }

    /// <summary>After a revocation: forgets the partitions' pending offsets and dead-letter state (another instance owns them).</summary>
    public void Forget(IReadOnlyList<SourcePartition> partitions)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                _pending.Remove(p);
                ForgetDeadLetters(p);
            }
        }
    }

    /// <summary>
    /// After a loss (session expired): discards the partitions' open lake files uncommitted. Another instance may
    /// already own them and write the same offsets, so committing those files could overlap its output; nothing of them
    /// is reported durable either.
    /// </summary>
    public void Discard(IReadOnlyList<SourcePartition> partitions)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                _pending.Remove(p);
                ForgetDeadLetters(p);
                try
                {
                    if (_lake.Discard(p))
                    {
                        _log?.LogWarning("{Partition} lost: its open lake file was discarded uncommitted", p);
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
        _ageTimer?.Dispose();
        lock (_gate)
        {
            _disposed = true;
            _deadLetters.Dispose();
            Output?.Dispose();
            _lake.Dispose();
        }
    }

    private bool IsCurrent(ConsumedRecord record) => record.Generation > _staleThrough && _generations.IsCurrent(record);

    private void WriteLocked(IReadOnlyList<FinishedRecord> records)
    {
        _rejected.Clear();
        foreach (var record in records)
        {
            if (record.Rejection is not null && IsCurrent(record.Record))
            {
                _rejected.Add(record);
            }
        }

        // Durable before the lake may cover their offsets: a committed lake file is never re-read.
        if (_rejected.Count > 0)
        {
            _deadLetters.WriteDurably(_rejected);
        }

        if (Output is not null)
        {
            PublishDurably(records);
        }

        foreach (var record in records)
        {
            var position = record.Record.Position;
            if (!IsCurrent(record.Record))
            {
                Dropped++;
                continue;
            }

            var source = position.Source;
            LakeAppendResult result;
            if (record.Rejection is { } rejection)
            {
                result = _lake.MarkProcessed(source, position.Offset);
                DeadLettered++;
                _metrics.DeadLettered(rejection.Code);
            }
            else
            {
                var selected = record.Selected!;
                result = LakeRows ? _lake.Append(source, position.Offset, ToRow(record)) : _lake.MarkProcessed(source, position.Offset);
                Written++;
                _metrics.SampleWritten();
                _metrics.Selected(selected.Scored.ResponseTokens, selected.KeptTokens, selected.Threshold);
            }

            if (result.Accepted || position.Offset >= _lake.NextOffset(source))
            {
                // Written now, or a repeat of an offset the open file already holds: durable when that file commits.
                Pending(position.Source).Enqueue(position.Offset);
            }
            else
            {
                _reports.Add(new OffsetsDurable(position.Source, [position.Offset])); // already in a committed file
            }

            Committed(result.Committed);
        }
    }

    /// <summary>Publishes the batch's rows to <see cref="Output"/> and waits for the brokers' acknowledgement.</summary>
    /// <exception cref="Confluent.Kafka.ProduceException{TKey, TValue}">A delivery failed (fatal: the service stops).</exception>
    private void PublishDurably(IReadOnlyList<FinishedRecord> records)
    {
        var any = false;
        foreach (var record in records)
        {
            var position = record.Record.Position;
            var source = position.Source;
            // Offsets the lake already committed were published before (a replay after a takeover): skip them.
            if (record.Rejection is not null || !IsCurrent(record.Record) || position.Offset < _lake.NextOffset(source))
            {
                continue;
            }

            Output!.Append(source, position.Offset, ToRow(record));
            any = true;
        }

        if (any)
        {
            Output!.FlushAsync().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// A lake write failed: nothing of the failed files was committed. Dispose, reopen (the scan removes nothing of
    /// other instances), drop every record consumed so far (they are consumed again) and report the reopening, so the
    /// partition owner seeks back. A second failure within 10 s of a recovery, or a failing reopen, is fatal (rethrown).
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
        _staleThrough = _generations.LastIssued;
        foreach (var (p, _) in _generations.Snapshot())
        {
            ForgetDeadLetters(p);
        }

        _pending.Clear();
        _reports.Add(new LakeReopened(_staleThrough));
    }

    private void ForgetDeadLetters(SourcePartition p)
    {
        if (p.Partition is { } partition)
        {
            _deadLetters.Forget(p.Topic, partition);
        }
    }

    private Queue<long> Pending(SourcePartition partition)
    {
        if (!_pending.TryGetValue(partition, out var q))
        {
            q = new Queue<long>();
            _pending[partition] = q;
        }

        return q;
    }

    private void Committed(IReadOnlyList<CommittedFile> files)
    {
        foreach (var file in files)
        {
            var partition = file.Source;
            if (!_pending.TryGetValue(partition, out var q))
            {
                continue;
            }

            var durable = new List<long>();
            while (q.Count > 0 && q.Peek() <= file.LastOffset)
            {
                durable.Add(q.Dequeue());
            }

            if (durable.Count > 0)
            {
                _reports.Add(new OffsetsDurable(partition, durable));
            }
        }
    }

    private OutputRecord ToRow(FinishedRecord record) =>
        OutputRecord.From(record.Selected!, record.Record.Position, _baseModel, record.Scored.ReferenceVersion, record.Scored.ScoredAt, EmitLosses);
}
