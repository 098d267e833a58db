using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The consumer side of <c>serve</c>: one thread that consumes, hands records to the pipeline, waits while the
/// first mailbox is full and pauses the partitions when it stays full, commits offsets the
/// <see cref="OffsetTracker"/> allows, and handles rebalances. Every consumer call happens on this thread (rebalance callbacks run inside Consume on it too).
/// </summary>
/// <remarks>
/// Consumer settings: cooperative-sticky assignment (classic protocol) or the broker's incremental assignment
/// (KIP-848, <see cref="ServeSettings.KafkaSettings.GroupProtocol"/>), EnableAutoCommit=false and
/// EnableAutoOffsetStore=false (offsets are committed explicitly, only where the output is durable),
/// auto.offset.reset=earliest. On assignment a
/// partition starts at max(group's committed offset, the lake's next offset). On revocation the lake is flushed and
/// the revoked partitions' durable offsets are committed before the callback returns, so the next owner starts
/// where this one stopped (and the lake skips anything older).
/// </remarks>
internal sealed class KafkaSource
{
    private long _lastReachableTicks = DateTime.UtcNow.Ticks;
    private volatile bool _brokersDown;

    private readonly ServeSettings _settings;
    private readonly StreamingPipeline _pipeline;
    private readonly LakeWriter _writer;
    private readonly OffsetTracker _tracker;
    private readonly PartitionGenerations _generations;
    private readonly ILogger _log;
    private readonly Queue<InputRecord> _held = new();
    private readonly Dictionary<(string Topic, int Partition), long> _committed = [];
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _committedView = new();
    private bool _lakeAhead;
    private readonly HashSet<TopicPartition> _appPaused = [];
    private IConsumer<byte[]?, byte[]?>? _consumer;
    private bool _paused;
    private bool _assignmentChanged;
    private volatile int _heldCount;
    private volatile bool _pausedView;
    private volatile int _pauseCount;

    private readonly PipelineMetrics? _metrics;

    public KafkaSource(ServeSettings settings, StreamingPipeline pipeline, LakeWriter writer, OffsetTracker tracker, PartitionGenerations generations, ILogger log, PipelineMetrics? metrics = null)
    {
        _metrics = metrics;
        _settings = settings;
        _pipeline = pipeline;
        _writer = writer;
        _tracker = tracker;
        _generations = generations;
        _log = log;
    }

    public int Held => _heldCount;

    public bool Paused => _pausedView;

    /// <summary>How often the partitions were paused since start (each pause drops librdkafka's prefetched records).</summary>
    public int PauseCount => _pauseCount;

    /// <summary>Committed offsets per partition (what this instance last committed).</summary>
    public long? CommittedOffset(string topic, int partition) => _committedView.TryGetValue((topic, partition), out var o) ? o : null;

    /// <summary>The consumer configuration: pass-through properties first, then the settings the pipeline relies on.</summary>
    public static ConsumerConfig CreateConfig(ServeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = new ConsumerConfig(new Dictionary<string, string>(settings.Kafka.Properties, StringComparer.Ordinal))
        {
            BootstrapServers = settings.Kafka.BootstrapServers,
            GroupId = settings.Kafka.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = false,
        };
        if (settings.Kafka.UsesConsumerProtocol)
        {
            // KIP-848: the broker assigns (incrementally, like cooperative-sticky) and owns the session timeout and
            // heartbeat interval; librdkafka refuses those settings with this protocol (the validator reports them).
            config.GroupProtocol = GroupProtocol.Consumer;
        }
        else if (!settings.Kafka.Properties.ContainsKey("partition.assignment.strategy"))
        {
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
        }

        if (!settings.Kafka.Properties.ContainsKey("auto.offset.reset"))
        {
            config.AutoOffsetReset = AutoOffsetReset.Earliest;
        }

        return config;
    }

    /// <summary>
    /// When Kafka was last known reachable: now, unless librdkafka reported all brokers down since the last record
    /// arrived (then the time of that record). Read by /healthz from any thread.
    /// </summary>
    public DateTimeOffset LastReachable =>
        _brokersDown ? new DateTimeOffset(Interlocked.Read(ref _lastReachableTicks), TimeSpan.Zero) : DateTimeOffset.UtcNow;

    private void MarkReachable()
    {
        Interlocked.Exchange(ref _lastReachableTicks, DateTime.UtcNow.Ticks);
        _brokersDown = false;
    }

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled, then drains: stops fetching, completes the pipeline, waits
    /// (at most <paramref name="drainTimeout"/>) for it, flushes the lake, commits, closes the consumer (leaving the
    /// group). Returns whether the drain finished in time.
    /// </summary>
    public bool Run(CancellationToken stop, TimeSpan drainTimeout)
    {
        KafkaNative.EnsureLoaded();
        var config = CreateConfig(_settings);
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetErrorHandler((_, e) =>
            {
                _brokersDown |= e.Code == ErrorCode.Local_AllBrokersDown;
                _log.Log(e.IsFatal ? LogLevel.Critical : LogLevel.Warning, "Kafka: {Reason} ({Code})", e.Reason, e.Code);
            })
            .SetLogHandler((_, m) => _log.LogDebug("librdkafka {Facility}: {Message}", m.Facility, m.Message))
            .Build();
        _consumer = consumer;
        consumer.Subscribe(_settings.Kafka.TopicList);
        var commitEvery = TimeSpan.FromMilliseconds(_settings.Kafka.CommitIntervalMs);
        try
        {
            try
            {
                Loop(consumer, stop, commitEvery);
            }
            catch
            {
                // The consumer thread itself failed: stop the blocks before the caller disposes the models and the lake.
                _pipeline.Abort();
                _pipeline.AllBlocksCompletion.Wait(TimeSpan.FromSeconds(30));
                throw;
            }

            return Drain(consumer, drainTimeout);
        }
        finally
        {
            consumer.Dispose();
        }
    }

    private void Loop(IConsumer<byte[]?, byte[]?> consumer, CancellationToken stop, TimeSpan commitEvery)
    {
        var nextCommit = DateTime.UtcNow + commitEvery;
        var nextAgeCheck = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        long fullSince = -1;
        while (!stop.IsCancellationRequested && !_pipeline.Completion.IsCompleted)
        {
            if (_writer.TakeReset())
            {
                Reseek(consumer);
            }

            while (_held.Count > 0 && _pipeline.TryPost(_held.Peek()))
            {
                _held.Dequeue();
            }

            _heldCount = _held.Count;
            if (_held.Count == 0)
            {
                fullSince = -1;
                SetPaused(false);
            }
            else if (!_paused)
            {
                var now = Environment.TickCount64;
                fullSince = fullSince < 0 ? now : fullSince;
                if (now - fullSince < _settings.Pipeline.PauseAfterMs)
                {
                    // The first mailbox is full, usually for a moment: wait here for room rather than pause, because a
                    // pause drops librdkafka's prefetched records and it refetches only ~0.5 s after the resume (that
                    // cost one pause per mailbox of records, ~1,000 records/s). Not consuming meanwhile is
                    // backpressure too: librdkafka's prefetch queue is bounded (queued.max.messages.kbytes). Waiting
                    // is capped, since rebalance callbacks are served only inside Consume.
                    Thread.Sleep(1);
                    Timers(ref nextAgeCheck, ref nextCommit, commitEvery, consumer);
                    continue;
                }

                SetPaused(true);
            }

            ConsumeResult<byte[]?, byte[]?>? result = null;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(_paused ? 20 : 100));
                if (result is not null)
                {
                    MarkReachable();
                }
            }
            catch (ConsumeException e)
            {
                _log.LogWarning("Kafka consume error: {Reason}", e.Error.Reason);
            }

            if (_lakeAhead)
            {
                // The lake already holds a new partition's output beyond the group's offset (another instance wrote it and
                // died before committing): commit it now rather than at the next interval. The tracker starts the
                // partition at the lake's offset, so a refused commit is retried by every later one (and at revocation).
                _lakeAhead = false;
                Commit(null);
            }

            if (_assignmentChanged)
            {
                _assignmentChanged = false;
                if (ApplyPauseState(consumer, _paused, _appPaused) > 0 && !_paused)
                {
                    _log.LogInformation("Resumed reassigned partitions that were paused when they were taken away");
                }
            }

            if (result is { Message: not null } && _generations.Current(result.Topic, result.Partition.Value) is { } generation)
            {
                var record = new InputRecord(result.Topic, result.Partition.Value, result.Offset.Value, generation, result.Message.Value, result.Message.Headers);
                _tracker.Consumed(record.Topic, record.Partition, record.Offset);
                if (_held.Count > 0 || !_pipeline.TryPost(record))
                {
                    _held.Enqueue(record);
                }
            }

            Timers(ref nextAgeCheck, ref nextCommit, commitEvery, consumer);
        }
    }

    /// <summary>The lake's age check every second and the offset commit every <paramref name="commitEvery"/>.</summary>
    private void Timers(ref DateTime nextAgeCheck, ref DateTime nextCommit, TimeSpan commitEvery, IConsumer<byte[]?, byte[]?> consumer)
    {
        var now = DateTime.UtcNow;
        if (now >= nextAgeCheck)
        {
            _writer.CommitDue();
            nextAgeCheck = now + TimeSpan.FromSeconds(1);
        }

        if (now >= nextCommit)
        {
            Commit(null);
            ReportLag(consumer);
            nextCommit = now + commitEvery;
        }
    }

    private bool Drain(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout)
    {
        // Records still held were never handed over: they stay uncommitted and are consumed again after a restart.
        _held.Clear();
        _heldCount = 0;
        _pipeline.Complete();
        var drained = false;
        try
        {
            drained = _pipeline.Completion.Wait(timeout);
            if (!drained)
            {
                _log.LogWarning("The pipeline did not drain within {Seconds} s; committing what is durable", timeout.TotalSeconds);
            }
        }
        catch (AggregateException e)
        {
            _log.LogError(e.GetBaseException(), "The pipeline failed while draining");
        }

        if (!drained || _pipeline.Completion.IsFaulted)
        {
            // Blocks upstream of a fault (or still busy at the timeout) may still be running: stop them and wait, so
            // that nothing uses the models or the lake after they are disposed.
            _pipeline.Abort();
            if (!_pipeline.AllBlocksCompletion.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("pipeline blocks did not stop within 30 s after an aborted drain");
            }
        }

        if (!_pipeline.Completion.IsFaulted)
        {
            try
            {
                _writer.Flush();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log.LogError(e, "Flushing the lake failed; uncommitted records will be consumed again");
            }
        }

        CommitBeforeLeaving(consumer);
        try
        {
            consumer.Close(); // leaves the group at once, so the partitions move without waiting for a session timeout
        }
        catch (KafkaException e)
        {
            _log.LogWarning("Closing the consumer: {Reason}", e.Error.Reason);
        }

        return drained && !_pipeline.Completion.IsFaulted;
    }

    /// <summary>
    /// After an assignment change: brings every assigned partition to the source's pause state and returns how many
    /// changed. librdkafka keeps a partition's pause flag across revocation, loss and reassignment (librdkafka issue
    /// 1849), so a partition taken away while paused would come back paused and never be fetched again.
    /// <paramref name="appPaused"/> is what this source has paused in librdkafka: each partition is paused at most once
    /// before it is resumed, and only those are resumed (resuming a partition that is not paused restarts its fetcher
    /// and delivers records already delivered).
    /// </summary>
    internal static int ApplyPauseState(IConsumer<byte[]?, byte[]?> consumer, bool paused, HashSet<TopicPartition> appPaused)
    {
        var change = new List<TopicPartition>();
        foreach (var tp in consumer.Assignment)
        {
            if (paused ? appPaused.Add(tp) : appPaused.Remove(tp))
            {
                change.Add(tp);
            }
        }

        if (change.Count > 0)
        {
            if (paused)
            {
                consumer.Pause(change);
            }
            else
            {
                consumer.Resume(change);
            }
        }

        return change.Count;
    }

    /// <summary>
    /// The last commit before leaving the group. A member joining or leaving at the same moment (replicas stopped
    /// together) makes the coordinator refuse commits of the old generation; the lake holds the output either way and
    /// the next owner starts from the lake, but the group's offsets (and the lag every dashboard shows) should match
    /// it: serve the group protocol a moment and retry, for a few seconds at most.
    /// </summary>
    private void CommitBeforeLeaving(IConsumer<byte[]?, byte[]?> consumer)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!Commit(null) && DateTime.UtcNow < until)
        {
            try
            {
                consumer.Pause(consumer.Assignment);
                consumer.Consume(TimeSpan.FromMilliseconds(200)); // a record returned now is not ours to handle: never tracked, never committed
            }
            catch (KafkaException e)
            {
                _log.LogDebug("Serving the group before the last commit: {Reason}", e.Error.Reason);
            }
        }
    }

    /// <summary>After the lake was reopened: new generations, and every partition back to where the lake stands.</summary>
    private void Reseek(IConsumer<byte[]?, byte[]?> consumer)
    {
        _held.Clear();
        foreach (var tp in consumer.Assignment)
        {
            // A record consumed while the sink was recovering may have registered the partition again: start clean.
            _tracker.Revoke(tp.Topic, tp.Partition.Value);
            _generations.Assign(tp.Topic, tp.Partition.Value);
            var start = Math.Max(_writer.Resume(tp.Topic, tp.Partition.Value), _committed.GetValueOrDefault((tp.Topic, tp.Partition.Value)));
            try
            {
                consumer.Seek(new TopicPartitionOffset(tp, new Offset(start)));
                _log.LogInformation("Lake reopened: {Topic}[{Partition}] seeks back to {Offset}", tp.Topic, tp.Partition.Value, start);
            }
            catch (KafkaException e)
            {
                throw new InvalidOperationException($"cannot seek {tp} back to {start} after reopening the lake: {e.Error.Reason}", e);
            }
        }
    }

    /// <summary>Consumer lag per partition from the client's cached watermarks (no broker round trip).</summary>
    private void ReportLag(IConsumer<byte[]?, byte[]?> consumer)
    {
        if (_metrics is null)
        {
            return;
        }

        foreach (var tp in consumer.Assignment)
        {
            var high = consumer.GetWatermarkOffsets(tp).High;
            var position = consumer.Position(tp);
            if (high.Value >= 0 && position.Value >= 0)
            {
                _metrics.Lag(tp.Topic, tp.Partition.Value, Math.Max(0, high.Value - position.Value));
            }
        }
    }

    private void SetPaused(bool paused)
    {
        if (paused == _paused)
        {
            return;
        }

        var consumer = _consumer!;
        var assignment = consumer.Assignment;
        if (paused)
        {
            consumer.Pause(assignment);
            foreach (var tp in assignment)
            {
                _appPaused.Add(tp);
            }

            _pauseCount++;
            _log.LogDebug("Mailboxes full: paused {Count} partitions", assignment.Count);
        }
        else
        {
            var resume = new List<TopicPartition>(assignment.Count);
            foreach (var tp in assignment)
            {
                if (_appPaused.Remove(tp))
                {
                    resume.Add(tp);
                }
            }

            consumer.Resume(resume);
            _log.LogDebug("Mailboxes drained: resumed {Count} partitions", resume.Count);
        }

        _paused = paused;
        _pausedView = paused;
    }

    /// <summary>
    /// Commits what the tracker allows; <paramref name="only"/> restricts it to the given offsets. Returns false when
    /// the commit was refused (logged; the offsets are tried again by the next commit).
    /// </summary>
    private bool Commit(IReadOnlyList<(string Topic, int Partition, long Offset)>? only)
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (t, p, o) in only ?? _tracker.Committable())
        {
            if (_committed.TryGetValue((t, p), out var done) && done >= o)
            {
                continue;
            }

            offsets.Add(new TopicPartitionOffset(t, p, o));
        }

        if (offsets.Count == 0)
        {
            return true;
        }

        try
        {
            _consumer!.Commit(offsets);
            foreach (var tpo in offsets)
            {
                _committed[(tpo.Topic, tpo.Partition.Value)] = tpo.Offset.Value;
                _committedView[(tpo.Topic, tpo.Partition.Value)] = tpo.Offset.Value;
            }

            return true;
        }
        catch (KafkaException e)
        {
            // Not fatal: the lake holds the output, and a later commit (or the lake's next offset) covers it.
            _log.LogWarning("Committing offsets failed: {Reason}", e.Error.Reason);
            return false;
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        List<TopicPartitionOffset> committed;
        try
        {
            committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        }
        catch (KafkaException e)
        {
            _log.LogWarning("Reading committed offsets failed ({Reason}); starting from the lake's offsets", e.Error.Reason);
            committed = [];
        }

        var result = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var tp in partitions)
        {
            _generations.Assign(tp.Topic, tp.Partition.Value);
            var lake = _writer.Resume(tp.Topic, tp.Partition.Value);
            long group = -1;
            foreach (var c in committed)
            {
                if (c.TopicPartition == tp && c.Offset.Value >= 0)
                {
                    group = c.Offset.Value;
                }
            }

            var start = Math.Max(lake, group);
            _lakeAhead |= lake > group && lake > 0;
            if (start > 0 || group >= 0)
            {
                // Committable from the start offset on, even before a record arrives (nothing may follow a lake that is ahead).
                _tracker.Start(tp.Topic, tp.Partition.Value, start);
            }

            _committed.Remove((tp.Topic, tp.Partition.Value));
            if (group >= 0)
            {
                _committed[(tp.Topic, tp.Partition.Value)] = group;
                _committedView[(tp.Topic, tp.Partition.Value)] = group;
            }

            result.Add(new TopicPartitionOffset(tp, start > 0 || group >= 0 ? new Offset(start) : Offset.Unset));
            _log.LogInformation("Assigned {Topic}[{Partition}]: starting at offset {Offset} (group committed {Group}, lake next {Lake})", tp.Topic, tp.Partition.Value, start, group, lake);
        }

        // Once the assignment is in effect, the loop brings the new partitions to the source's pause state.
        _assignmentChanged = true;
        return result;
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        var revoked = new List<(string, int)>(partitions.Count);
        foreach (var tpo in partitions)
        {
            revoked.Add((tpo.Topic, tpo.Partition.Value));
        }

        DropHeld(revoked);
        var commit = _writer.Revoke(revoked);
        Commit(commit);
        Forget(revoked);
        _log.LogInformation("Revoked {Count} partitions; committed {Offsets}", revoked.Count, string.Join(", ", commit));
    }

    private void OnLost(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        // Lost (session expired): another member may already own them, so nothing is committed for them.
        var lost = new List<(string, int)>(partitions.Count);
        foreach (var tpo in partitions)
        {
            lost.Add((tpo.Topic, tpo.Partition.Value));
        }

        DropHeld(lost);
        _writer.Lose(lost); // discards their open lake files: the new owner writes those offsets
        Forget(lost);
        _log.LogWarning("Lost {Count} partitions", lost.Count);
    }

    private void DropHeld(List<(string Topic, int Partition)> partitions)
    {
        var keep = new Queue<InputRecord>(_held.Count);
        while (_held.Count > 0)
        {
            var r = _held.Dequeue();
            if (!partitions.Contains((r.Topic, r.Partition)))
            {
                keep.Enqueue(r);
            }
        }

        while (keep.Count > 0)
        {
            _held.Enqueue(keep.Dequeue());
        }
    }

    private void Forget(List<(string Topic, int Partition)> partitions)
    {
        foreach (var key in partitions)
        {
            _committed.Remove(key);
            _committedView.TryRemove(key, out _);
        }
    }
}
