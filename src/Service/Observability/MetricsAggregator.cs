using System.Diagnostics.Metrics;

namespace TokenClean.Service.Observability;

/// <summary>
/// Listens to one <see cref="PipelineMetrics"/> instance with a <see cref="MeterListener"/> and keeps what /status
/// shows: totals, per-second sums over the last minute, the most recent influences (a fixed-size reservoir) and
/// batch fills, and the last observed gauges. Memory is fixed: nothing grows with traffic except one entry per
/// dead-letter reason, queue and partition.
/// </summary>
/// <remarks>
/// Measurement callbacks run on the pipeline's threads (the block that recorded them); <see cref="Snapshot"/> runs
/// on an HTTP request thread and polls the observable gauges itself.
/// </remarks>
public sealed class MetricsAggregator : IDisposable
{
    /// <summary>Seconds the throughput rates average over.</summary>
    public const int WindowSeconds = 60;

    /// <summary>Influences the quantiles cover.</summary>
    public const int InfluenceWindow = 4096;

    /// <summary>Batches the mean fill covers.</summary>
    public const int BatchWindow = 256;

    private readonly PipelineMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly MeterListener _listener;
    private readonly DateTimeOffset _started;
    private readonly Lock _gate = new();

    private readonly RollingSum _samplesWindow = new(WindowSeconds);
    private readonly RollingSum _tokensWindow = new(WindowSeconds);
    private readonly RollingSum _responseWindow = new(WindowSeconds);
    private readonly RollingSum _keptWindow = new(WindowSeconds);
    private readonly Reservoir _influence = new(InfluenceWindow);
    private readonly InfluenceHistogram _histogram = new();
    private readonly double[] _fills = new double[BatchWindow];
    private long _batches;

    private long _written;
    private long _deadLettered;
    private long _tokensScored;
    private long _responseTokens;
    private long _keptTokens;
    private long _refreshesAccepted;
    private long _refreshesRejected;
    private readonly Dictionary<string, long> _deadLetters = new(StringComparer.Ordinal);

    // Filled by the observable-gauge callbacks during Snapshot, under _gate.
    private readonly Dictionary<string, int> _queues = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Topic, int Partition), long> _lag = [];
    private string _referenceVersion = "none";

    /// <summary>Starts listening to <paramref name="metrics"/>'s meter (and no other meter of the same name).</summary>
    public MetricsAggregator(PipelineMetrics metrics, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        _time = time ?? TimeProvider.System;
        _started = _time.GetUtcNow();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter, _metrics.Meter) && KindOf(instrument.Name) is { } kind)
                {
                    listener.EnableMeasurementEvents(instrument, kind);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<int>(OnInt);
        _listener.SetMeasurementEventCallback<float>((_, value, _, state) => OnDouble(value, state));
        _listener.SetMeasurementEventCallback<double>((_, value, _, state) => OnDouble(value, state));
        _listener.Start();
    }

    /// <summary>When the aggregator started listening (the service's start, for uptime).</summary>
    public DateTimeOffset Started => _started;

    /// <summary>
    /// The metric parts of /status now. Header fields (version, health, assigned partitions' committed offsets)
    /// are the caller's to fill (<see cref="StatusReporter"/>).
    /// </summary>
    public ServiceStatus Snapshot()
    {
        var now = _time.GetUtcNow();
        var uptime = now - _started;
        var second = now.ToUnixTimeSeconds();
        var window = Math.Clamp(uptime.TotalSeconds, 1, WindowSeconds);

        lock (_gate)
        {
            _queues.Clear();
            _lag.Clear();
            _listener.RecordObservableInstruments();

            var partitions = new List<PartitionStatus>(_lag.Count);
            foreach (var ((topic, partition), lag) in _lag)
            {
                partitions.Add(new PartitionStatus(topic, partition, null, lag));
            }

            partitions.Sort(static (a, b) => (a.Topic, a.Partition).CompareTo((b.Topic, b.Partition)));

            var response = Interlocked.Read(ref _responseTokens);
            var kept = Interlocked.Read(ref _keptTokens);
            var responseWindow = _responseWindow.Sum(second);
            var sorted = _influence.SortedWindow();
            SortedDictionary<string, long> deadLetters;
            lock (_deadLetters)
            {
                deadLetters = new SortedDictionary<string, long>(_deadLetters, StringComparer.Ordinal);
            }

            var batches = (int)Math.Min(Interlocked.Read(ref _batches), BatchWindow);
            double fill = 0;
            for (var i = 0; i < batches; i++)
            {
                fill += Volatile.Read(ref _fills[i]);
            }

            return new ServiceStatus
            {
                StartedAt = _started,
                UptimeSeconds = uptime.TotalSeconds,
                Reference = new ReferenceStatus(
                    _referenceVersion,
                    Interlocked.Read(ref _refreshesAccepted),
                    Interlocked.Read(ref _refreshesRejected),
                    _metrics.LastRefresh),
                Partitions = partitions,
                QueueDepths = new SortedDictionary<string, int>(_queues, StringComparer.Ordinal),
                Throughput = new ThroughputStatus(
                    window,
                    _samplesWindow.Sum(second) / window,
                    _tokensWindow.Sum(second) / window,
                    responseWindow > 0 ? (double)_keptWindow.Sum(second) / responseWindow : null),
                Totals = new SampleTotals(
                    Interlocked.Read(ref _written),
                    Interlocked.Read(ref _deadLettered),
                    Interlocked.Read(ref _tokensScored),
                    response,
                    kept,
                    response > 0 ? (double)kept / response : null),
                DeadLetters = deadLetters,
                Influence = new InfluenceStatus(
                    sorted.Length,
                    _influence.Written,
                    sorted.Length > 0 ? Reservoir.Quantile(sorted, 0.1) : null,
                    sorted.Length > 0 ? Reservoir.Quantile(sorted, 0.5) : null,
                    sorted.Length > 0 ? Reservoir.Quantile(sorted, 0.9) : null),
                BatchFill = new BatchFillStatus(batches, batches > 0 ? fill / batches : null),
                InfluenceHistogram = _histogram.Snapshot(),
                ReferenceHistory = _metrics.ReferenceHistory,
                Threshold = float.IsNaN(_metrics.Threshold) ? null : _metrics.Threshold,
                RecentSeconds = new RecentSeconds(_samplesWindow.Series(second), _tokensWindow.Series(second)),
            };
        }
    }

    public void Dispose() => _listener.Dispose();

    private static Kind? KindOf(string instrument) => instrument switch
    {
        "tokenclean.samples" => Kind.Samples,
        "tokenclean.tokens.scored" => Kind.TokensScored,
        "tokenclean.tokens.kept" => Kind.TokensKept,
        "tokenclean.tokens.response" => Kind.ResponseTokens,
        "tokenclean.dead_letters" => Kind.DeadLetters,
        "tokenclean.reference.refreshes" => Kind.Refreshes,
        "tokenclean.influence" => Kind.Influence,
        "tokenclean.batch.fill" => Kind.BatchFill,
        "tokenclean.queue.depth" => Kind.QueueDepth,
        "tokenclean.consumer.lag" => Kind.Lag,
        "tokenclean.reference.version" => Kind.ReferenceVersion,
        _ => null,
    };

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var second = _time.GetUtcNow().ToUnixTimeSeconds();
        switch ((Kind)state!)
        {
            case Kind.Samples:
                Interlocked.Add(ref Tag(tags, "outcome") == "written" ? ref _written : ref _deadLettered, value);
                _samplesWindow.Add(value, second);
                break;
            case Kind.TokensScored:
                Interlocked.Add(ref _tokensScored, value);
                _tokensWindow.Add(value, second);
                break;
            case Kind.TokensKept:
                Interlocked.Add(ref _keptTokens, value);
                _keptWindow.Add(value, second);
                break;
            case Kind.ResponseTokens:
                Interlocked.Add(ref _responseTokens, value);
                _responseWindow.Add(value, second);
                break;
            case Kind.DeadLetters:
                var reason = Tag(tags, "reason") ?? "unknown";
                lock (_deadLetters)
                {
                    _deadLetters[reason] = _deadLetters.GetValueOrDefault(reason) + value;
                }

                break;
            case Kind.Refreshes:
                Interlocked.Add(ref Tag(tags, "outcome") == "accepted" ? ref _refreshesAccepted : ref _refreshesRejected, value);
                break;
            case Kind.Lag:
                // Observable: delivered inside Snapshot's RecordObservableInstruments, under _gate.
                if (Tag(tags, "topic") is { } topic && int.TryParse(Tag(tags, "partition"), out var partition))
                {
                    _lag[(topic, partition)] = value;
                }

                break;
            default:
                break;
        }
    }

    private void OnInt(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        // Observables only, delivered inside Snapshot under _gate.
        switch ((Kind)state!)
        {
            case Kind.QueueDepth:
                _queues[Tag(tags, "block") ?? "unknown"] = value;
                break;
            case Kind.ReferenceVersion:
                _referenceVersion = Tag(tags, "version") ?? "none";
                break;
            default:
                break;
        }
    }

    private void OnDouble(double value, object? state)
    {
        switch ((Kind)state!)
        {
            case Kind.Influence:
                _influence.Add((float)value);
                _histogram.Add(value);
                break;
            case Kind.BatchFill:
                var i = Interlocked.Increment(ref _batches) - 1;
                Volatile.Write(ref _fills[(int)(i % BatchWindow)], value);
                break;
            default:
                break;
        }
    }

    private enum Kind
    {
        Samples,
        TokensScored,
        TokensKept,
        ResponseTokens,
        DeadLetters,
        Refreshes,
        Influence,
        BatchFill,
        QueueDepth,
        Lag,
        ReferenceVersion,
    }
}
