using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TokenClean.Core.Sources;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Observability;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The Kafka side of <c>serve</c>, on one dedicated thread: consumes, hands records to the graph (waiting while the
/// tokenize step is full, pausing the partitions when it stays full), and owns the partition lifecycle: assignment,
/// revocation, loss, generations, pause state, the offset tracker and commits. Every consumer call happens on this
/// thread (rebalance callbacks run inside Consume on it too); the sink's reports (durable offsets, a reopened lake)
/// are applied here as well.
/// </summary>
/// <remarks>
/// On assignment a partition starts at max(group's committed offset, the lake's next offset). On revocation the lake
/// is flushed and the revoked partitions' durable offsets are committed before the callback returns, so the next
/// owner starts where this one stopped (and the lake skips anything older).
/// </remarks>
internal sealed partial class PartitionOwner
{
    private readonly ServeSettings _settings;
    private readonly GraphInlet _inlet;
    private readonly LakeSink _sink;
    private readonly SinkReports _reports;
    private readonly PartitionGenerations _generations;
    private readonly OffsetTracker _tracker = new();
    private readonly OffsetCommitter _commits;
    private readonly PauseControl _pause;
    private readonly PipelineMetrics? _metrics;
    private readonly ILogger _log;
    private readonly Queue<ConsumedRecord> _held = new();
    private long _lastReachableTicks = DateTime.UtcNow.Ticks;
    private volatile bool _brokersDown;
    private volatile int _heldCount;
    private bool _lakeAhead;
    private bool _assignmentChanged;
    private bool _lakeReopened;

    public PartitionOwner(ServeSettings settings, GraphInlet inlet, LakeSink sink, SinkReports reports, PartitionGenerations generations, ILogger log, PipelineMetrics? metrics = null)
    {
        _settings = settings;
        _inlet = inlet;
        _sink = sink;
        _reports = reports;
        _generations = generations;
        _log = log;
        _metrics = metrics;
        _commits = new OffsetCommitter(log);
        _pause = new PauseControl(log);
    }

    /// <summary>Records taken from Kafka and waiting for room in the graph.</summary>
    public int Held => _heldCount;

    public bool Paused => _pause.PausedView;

    /// <summary>How often the partitions were paused since start.</summary>
    public int PauseCount => _pause.PauseCount;

    /// <summary>Records consumed whose output is not durable yet.</summary>
    public int InFlight => _tracker.InFlight;

    /// <summary>Committed offsets per partition (what this instance last committed).</summary>
    public long? CommittedOffset(SourcePartition partition) => _commits.CommittedOffset(partition);

    /// <summary>
    /// When Kafka was last known reachable: now, unless librdkafka reported all brokers down since the last record
    /// arrived (then the time of that record). Read by /healthz from any thread.
    /// </summary>
    public DateTimeOffset LastReachable =>
        _brokersDown ? new DateTimeOffset(Interlocked.Read(ref _lastReachableTicks), TimeSpan.Zero) : DateTimeOffset.UtcNow;

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled or the pipeline ends, then drains: stops fetching, completes
    /// the graph, waits (at most <paramref name="drainTimeout"/>) for it, flushes the lake, commits, closes the
    /// consumer (leaving the group). Returns whether the drain finished in time.
    /// </summary>
    public bool Run(PipelineCore pipeline, CancellationToken stop, TimeSpan drainTimeout)
    {
        KafkaNative.EnsureLoaded();
        var consumer = new ConsumerBuilder<byte[]?, byte[]?>(KafkaConsumerSettings.Create(_settings))
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
        consumer.Subscribe(_settings.Kafka.TopicList);
        try
        {
            try
            {
                Loop(consumer, pipeline, stop);
            }
            catch
            {
                // The consumer thread itself failed: stop the graph before the caller disposes the models and the lake.
                pipeline.Stop(TimeSpan.FromSeconds(30));
                throw;
            }

            return Drain(consumer, pipeline, drainTimeout);
        }
        finally
        {
            consumer.Dispose();
        }
    }

    private void Loop(IConsumer<byte[]?, byte[]?> consumer, PipelineCore pipeline, CancellationToken stop)
    {
        var commitEvery = TimeSpan.FromMilliseconds(_settings.Kafka.CommitIntervalMs);
        var nextCommit = DateTime.UtcNow + commitEvery;
        long fullSince = -1;
        while (!stop.IsCancellationRequested && !pipeline.Completion.IsCompleted)
        {
            ApplyReports();
            if (_lakeReopened)
            {
                _lakeReopened = false;
                Reseek(consumer);
            }

            while (_held.Count > 0 && _inlet.TryOffer(_held.Peek()))
            {
                _held.Dequeue();
            }

            _heldCount = _held.Count;
            if (_held.Count == 0)
            {
                fullSince = -1;
                _pause.Set(consumer, false);
            }
            else if (!_pause.IsPaused)
            {
                var now = Environment.TickCount64;
                fullSince = fullSince < 0 ? now : fullSince;
                if (now - fullSince < _settings.Pipeline.PauseAfterMs)
                {
                    // The graph is full, usually for a moment: wait here for room rather than pause, because a pause
                    // drops librdkafka's prefetched records and it refetches only ~0.5 s after the resume (that cost
                    // one pause per mailbox of records, ~1,000 records/s; docs/BENCHMARKS.md). Not consuming meanwhile
                    // is backpressure too: librdkafka's prefetch queue is bounded (queued.max.messages.kbytes).
                    // Waiting is capped, since rebalance callbacks are served only inside Consume.
                    Thread.Sleep(1);
                    CommitIfDue(consumer, ref nextCommit, commitEvery);
                    continue;
                }

                _pause.Set(consumer, true);
            }

            ConsumeResult<byte[]?, byte[]?>? result = null;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(_pause.IsPaused ? 20 : 100));
                if (result is not null)
                {
                    Interlocked.Exchange(ref _lastReachableTicks, DateTime.UtcNow.Ticks);
                    _brokersDown = false;
                }
            }
            catch (ConsumeException e)
            {
                _log.LogWarning("Kafka consume error: {Reason}", e.Error.Reason);
            }

            if (_lakeAhead)
            {
                // The lake already holds a new partition's output beyond the group's offset (another instance wrote it
                // and died before committing): commit it now rather than at the next interval. The tracker starts the
                // partition at the lake's offset, so a refused commit is retried by every later one.
                _lakeAhead = false;
                _commits.Commit(consumer, _tracker.Committable());
            }

            if (_assignmentChanged)
            {
                _assignmentChanged = false;
                if (_pause.ApplyToAssignment(consumer) > 0 && !_pause.IsPaused)
                {
                    _log.LogInformation("Resumed reassigned partitions that were paused when they were taken away");
                }
            }

            if (result is { Message: not null })
            {
                var partition = SourcePartition.Kafka(result.Topic, result.Partition.Value);
                if (_generations.Current(partition) is { } generation)
                {
                    var record = new ConsumedRecord(partition.At(result.Offset.Value), generation, result.Message.Value, result.Message.Headers);
                    _tracker.Consumed(record.Position);
                    if (_held.Count > 0 || !_inlet.TryOffer(record))
                    {
                        _held.Enqueue(record);
                    }
                }
            }

            CommitIfDue(consumer, ref nextCommit, commitEvery);
        }
    }

    /// <summary>Applies the sink's reports: durable offsets to the tracker; a reopened lake is remembered for the loop.</summary>
    private void ApplyReports()
    {
        while (_reports.TryTake(out var report))
        {
            switch (report)
            {
                case OffsetsDurable durable:
                    foreach (var offset in durable.Offsets)
                    {
                        _tracker.Done(durable.Partition, offset);
                    }

                    break;
                case LakeReopened:
                    _lakeReopened = true;
                    break;
            }
        }
    }

    private void CommitIfDue(IConsumer<byte[]?, byte[]?> consumer, ref DateTime nextCommit, TimeSpan commitEvery)
    {
        var now = DateTime.UtcNow;
        if (now < nextCommit)
        {
            return;
        }

        ApplyReports();
        _commits.Commit(consumer, _tracker.Committable());
        ReportLag(consumer);
        nextCommit = now + commitEvery;
    }

    private bool Drain(IConsumer<byte[]?, byte[]?> consumer, PipelineCore pipeline, TimeSpan timeout)
    {
        // Records still held were never handed over: they stay uncommitted and are consumed again after a restart.
        _held.Clear();
        _heldCount = 0;
        _inlet.Complete();
        var drained = false;
        try
        {
            drained = pipeline.Completion.Wait(timeout);
            if (!drained)
            {
                _log.LogWarning("The pipeline did not drain within {Seconds} s; committing what is durable", timeout.TotalSeconds);
            }
        }
        catch (AggregateException e)
        {
            _log.LogError(e.GetBaseException(), "The pipeline failed while draining");
        }

        var failed = pipeline.Completion.IsFaulted;
        if (!drained || failed)
        {
            // Stages upstream of a fault (or still busy at the timeout) may still run: stop them and wait, so that
            // nothing uses the models or the lake after they are disposed.
            if (!pipeline.Stop(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("the pipeline did not stop within 30 s after an aborted drain");
            }
        }

        if (!failed)
        {
            try
            {
                _sink.Flush();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _log.LogError(e, "Flushing the lake failed; uncommitted records will be consumed again");
            }
        }

        ApplyReports();
        CommitBeforeLeaving(consumer);
        try
        {
            consumer.Close(); // leaves the group at once, so the partitions move without waiting for a session timeout
        }
        catch (KafkaException e)
        {
            _log.LogWarning("Closing the consumer: {Reason}", e.Error.Reason);
        }

        return drained && !failed;
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
        while (!_commits.Commit(consumer, _tracker.Committable()) && DateTime.UtcNow < until)
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

            ApplyReports();
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
}
