namespace TokenClean.Service.Observability;

/// <summary>The body of <c>GET /status</c> (camelCase JSON; docs/OPERATIONS.md documents every field).</summary>
public sealed record ServiceStatus
{
    public string Service { get; init; } = "tokenclean";

    /// <summary>The service's informational version (assembly version, plus the commit when the build knew it).</summary>
    public string Version { get; init; } = "";

    /// <summary>The machine or container name: tells replicas apart.</summary>
    public string Instance { get; init; } = Environment.MachineName;

    public DateTimeOffset StartedAt { get; init; }

    public double UptimeSeconds { get; init; }

    /// <summary>The same verdict as /healthz.</summary>
    public bool Healthy { get; init; }

    /// <summary>Why not healthy; null when healthy.</summary>
    public string? HealthReason { get; init; }

    public ReferenceStatus Reference { get; init; } = new("none", 0, 0, null);

    /// <summary>Assigned partitions (from the pipeline) joined with the consumer lag (from the metrics).</summary>
    public IReadOnlyList<PartitionStatus> Partitions { get; init; } = [];

    /// <summary>Messages waiting per pipeline block.</summary>
    public IReadOnlyDictionary<string, int> QueueDepths { get; init; } = new Dictionary<string, int>();

    public ThroughputStatus Throughput { get; init; } = new(0, 0, 0, null);

    public SampleTotals Totals { get; init; } = new(0, 0, 0, 0, 0, null);

    /// <summary>Dead-lettered samples since start, by reason code.</summary>
    public IReadOnlyDictionary<string, long> DeadLetters { get; init; } = new Dictionary<string, long>();

    public InfluenceStatus Influence { get; init; } = new(0, 0, null, null, null);

    public BatchFillStatus BatchFill { get; init; } = new(0, null);

    /// <summary>Influences of every scored response token since start, in fixed bins.</summary>
    public InfluenceHistogramStatus? InfluenceHistogram { get; init; }

    /// <summary>Reference versions examined (accepted, refused with the reason) or first used, oldest first.</summary>
    public IReadOnlyList<ReferenceRefresh> ReferenceHistory { get; init; } = [];

    /// <summary>The influence threshold applied to the most recently written sample; null before the first.</summary>
    public double? Threshold { get; init; }

    /// <summary>Samples and tokens per second over the last minute, one entry per second, oldest first.</summary>
    public RecentSeconds? RecentSeconds { get; init; }
}
