using System.Reflection;

namespace TokenClean.Service.Observability;

/// <summary>
/// Answers /healthz and /status: joins the pipeline's own report (<see cref="IHealthSource"/>) with what
/// <see cref="MetricsAggregator"/> gathered from the metrics.
/// </summary>
/// <remarks>Thread-safe; called on HTTP request threads.</remarks>
public sealed class StatusReporter(
    MetricsAggregator aggregator,
    ObservabilityOptions options,
    IHealthSource? health = null,
    TimeProvider? time = null)
{
    private static readonly string ServiceVersion =
        typeof(StatusReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(StatusReporter).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Healthy when the pipeline reports itself running with no problem and reached Kafka within
    /// <see cref="ObservabilityOptions.KafkaStale"/>.
    /// </summary>
    public HealthVerdict Health() => Judge(health?.GetHealth());

    /// <summary>The whole /status document now.</summary>
    public ServiceStatus Status()
    {
        var report = health?.GetHealth();
        var verdict = Judge(report);
        var status = aggregator.Snapshot();
        return status with
        {
            Version = ServiceVersion,
            Healthy = verdict.Healthy,
            HealthReason = verdict.Reason,
            Partitions = Join(report?.Partitions, status.Partitions),
        };
    }

    private HealthVerdict Judge(HealthSnapshot? report)
    {
        if (report is null)
        {
            return new HealthVerdict(false, "no pipeline registered", null);
        }

        var seen = report.KafkaLastReachable;
        if (report.Problem is { } problem)
        {
            return new HealthVerdict(false, problem, seen);
        }

        if (!report.Running)
        {
            return new HealthVerdict(false, "pipeline not running", seen);
        }

        if (seen is null)
        {
            return new HealthVerdict(false, "Kafka not reached yet", null);
        }

        var silence = _time.GetUtcNow() - seen.Value;
        return silence > options.KafkaStale
            ? new HealthVerdict(false, $"Kafka not reachable for {silence.TotalSeconds:F0} s (limit {options.KafkaStale.TotalSeconds:F0} s)", seen)
            : new HealthVerdict(true, null, seen);
    }

    // The pipeline's list is the assignment; lag gauges of partitions it no longer owns are dropped.
    private static List<PartitionStatus> Join(IReadOnlyList<PartitionPosition>? assigned, IReadOnlyList<PartitionStatus> measured)
    {
        if (assigned is null)
        {
            return [.. measured];
        }

        var lag = new Dictionary<(string, int), long?>(measured.Count);
        foreach (var m in measured)
        {
            lag[(m.Topic, m.Partition)] = m.Lag;
        }

        var joined = new List<PartitionStatus>(assigned.Count);
        foreach (var p in assigned)
        {
            joined.Add(new PartitionStatus(p.Topic, p.Partition, p.CommittedOffset, lag.GetValueOrDefault((p.Topic, p.Partition))));
        }

        joined.Sort(static (a, b) => (a.Topic, a.Partition).CompareTo((b.Topic, b.Partition)));
        return joined;
    }
}
