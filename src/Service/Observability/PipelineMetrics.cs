using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace TokenClean.Service.Observability;

/// <summary>
/// The service's metrics, as System.Diagnostics.Metrics instruments on the meter <see cref="MeterName"/>; any
/// listener (the OTLP exporter, a test's MeterListener) can collect them. Pipeline blocks call the methods; none
/// of them blocks or allocates per token.
/// </summary>
public sealed class PipelineMetrics : IDisposable
{
    public const string MeterName = "TokenClean";

    private readonly Meter _meter;
    private readonly Counter<long> _samples;
    private readonly Counter<long> _tokensScored;
    private readonly Counter<long> _tokensKept;
    private readonly Counter<long> _responseTokens;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _refreshes;
    private readonly Histogram<float> _influence;
    private readonly Histogram<double> _batchFill;
    private readonly ConcurrentDictionary<string, Func<int>> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _lag = new();
    private volatile string _referenceVersion = "none";
    private volatile ReferenceRefresh? _lastRefresh;
    private readonly ConcurrentQueue<ReferenceRefresh> _history = new();
    private float _threshold = float.NaN;
    private readonly HashSet<string> _seenVersions = new(StringComparer.Ordinal);

    private readonly TimeProvider _time;

    /// <param name="factory">The host's meter factory; null = a meter of its own.</param>
    /// <param name="time">The clock that stamps <see cref="LastRefresh"/>; null = the system clock.</param>
    public PipelineMetrics(IMeterFactory? factory = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _samples = _meter.CreateCounter<long>("tokenclean.samples", "{sample}", "Samples that left the pipeline, by outcome (written, dead_lettered).");
        _tokensScored = _meter.CreateCounter<long>("tokenclean.tokens.scored", "{token}", "Tokens run through base and reference models.");
        _tokensKept = _meter.CreateCounter<long>("tokenclean.tokens.kept", "{token}", "Response tokens kept by selection.");
        _responseTokens = _meter.CreateCounter<long>("tokenclean.tokens.response", "{token}", "Response tokens scored; kept/response is the kept ratio.");
        _deadLetters = _meter.CreateCounter<long>("tokenclean.dead_letters", "{sample}", "Rejected samples, by reason code.");
        _refreshes = _meter.CreateCounter<long>("tokenclean.reference.refreshes", "{refresh}", "Reference checkpoints examined, by outcome (accepted, rejected).");
        _influence = _meter.CreateHistogram<float>("tokenclean.influence", "nat", "Influence (loss_base − loss_ref) of scored response tokens.");
        _batchFill = _meter.CreateHistogram<double>("tokenclean.batch.fill", "1", "Tokens in a scored batch over the batch token budget.");
        _meter.CreateObservableGauge("tokenclean.queue.depth", ObserveQueues, "{message}", "Messages waiting in each pipeline block's mailbox.");
        _meter.CreateObservableGauge("tokenclean.consumer.lag", ObserveLag, "{message}", "High watermark minus position, per topic-partition.");
        _meter.CreateObservableGauge("tokenclean.reference.version", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", _referenceVersion)), null, "The reference version now serving (value 1, version as a tag).");
    }

    /// <summary>The version now serving, for /status.</summary>
    public string ReferenceVersion => _referenceVersion;

    /// <summary>The last checkpoint the refresh examined (accepted or not); null before the first.</summary>
    public ReferenceRefresh? LastRefresh => _lastRefresh;

    /// <summary>Reference versions examined or first used, oldest first (the last <see cref="HistoryLength"/>).</summary>
    public IReadOnlyList<ReferenceRefresh> ReferenceHistory => [.. _history];

    /// <summary>Entries <see cref="ReferenceHistory"/> keeps.</summary>
    public const int HistoryLength = 32;

    /// <summary>The influence threshold of the most recently written sample; NaN before the first.</summary>
    public float Threshold => Volatile.Read(ref _threshold);

    /// <summary>
    /// The meter behind the instruments. Listeners that must see this instance only (several services, or tests
    /// running in parallel, each own a meter of the same name) compare it by reference.
    /// </summary>
    public Meter Meter => _meter;

    public void SampleWritten(int count = 1) => _samples.Add(count, new KeyValuePair<string, object?>("outcome", "written"));

    public void DeadLettered(string reason)
    {
        _samples.Add(1, new KeyValuePair<string, object?>("outcome", "dead_lettered"));
        _deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void BatchScored(long tokens, int budget)
    {
        _tokensScored.Add(tokens);
        _batchFill.Record(budget > 0 ? (double)tokens / budget : 0);
    }

    /// <param name="responseTokens">Response tokens of the written sample(s).</param>
    /// <param name="keptTokens">How many of them selection kept.</param>
    /// <param name="threshold">The influence threshold that was applied (NaN: not known; the last one stays).</param>
    public void Selected(long responseTokens, long keptTokens, float threshold = float.NaN)
    {
        _responseTokens.Add(responseTokens);
        _tokensKept.Add(keptTokens);
        if (!float.IsNaN(threshold))
        {
            Volatile.Write(ref _threshold, threshold);
        }
    }

    /// <summary>Records each finite influence of <paramref name="influence"/> (NaN = prompt token, skipped).</summary>
    public void Influence(ReadOnlySpan<float> influence)
    {
        if (!_influence.Enabled)
        {
            return;
        }

        foreach (var x in influence)
        {
            if (float.IsFinite(x))
            {
                _influence.Record(x);
            }
        }
    }

    public void RegisterQueue(string block, Func<int> depth) => _queues[block] = depth;

    public void Lag(string topic, int partition, long lag) => _lag[(topic, partition)] = lag;

    /// <summary>The refresh examined <paramref name="version"/>: it serves now, or was refused for <paramref name="reason"/>.</summary>
    public void ReferenceRefreshed(string version, bool accepted, string? reason = null)
    {
        _refreshes.Add(1, new KeyValuePair<string, object?>("outcome", accepted ? "accepted" : "rejected"));
        var refresh = new ReferenceRefresh(version, accepted, _time.GetUtcNow(), accepted ? null : reason);
        _lastRefresh = refresh;
        Remember(refresh);
        if (accepted)
        {
            _referenceVersion = version;
        }
    }

    /// <summary>
    /// A batch was scored with reference <paramref name="version"/>. A version no refresh announced (a fixed
    /// <c>--ref</c>) becomes the one in use and enters the history once; called per batch, it costs one compare.
    /// </summary>
    public void ReferenceInUse(string version)
    {
        if (string.Equals(version, _referenceVersion, StringComparison.Ordinal))
        {
            return;
        }

        lock (_seenVersions)
        {
            // A version the refresh reported is already in the history; a batch still finishing on the previous one
            // after a swap must not turn the clock back.
            if (!_seenVersions.Add(version))
            {
                return;
            }

            _referenceVersion = version;
            Remember(new ReferenceRefresh(version, true, _time.GetUtcNow()));
        }
    }

    private void Remember(ReferenceRefresh refresh)
    {
        lock (_seenVersions)
        {
            _seenVersions.Add(refresh.Version);
        }

        _history.Enqueue(refresh);
        while (_history.Count > HistoryLength && _history.TryDequeue(out _))
        {
        }
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveQueues()
    {
        foreach (var (block, depth) in _queues)
        {
            yield return new Measurement<int>(depth(), new KeyValuePair<string, object?>("block", block));
        }
    }

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var ((topic, partition), lag) in _lag)
        {
            yield return new Measurement<long>(lag, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("partition", partition));
        }
    }
}
