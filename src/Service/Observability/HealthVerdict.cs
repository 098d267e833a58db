namespace TokenClean.Service.Observability;

/// <summary>The answer of /healthz: healthy, or why not.</summary>
public sealed record HealthVerdict(bool Healthy, string? Reason, DateTimeOffset? KafkaLastReachable);
