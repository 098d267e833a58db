namespace TokenClean.Service.Observability;

/// <summary>
/// The seam between the pipeline and /healthz, /status: the pipeline implements it (registered as a singleton in
/// the host's services) and reports whether it runs, when it last reached Kafka, and which partitions it owns.
/// </summary>
/// <remarks>Called on HTTP request threads, concurrently with the pipeline: implementations must be thread-safe and
/// cheap (no Kafka round trip; report what the pipeline already knows).</remarks>
public interface IHealthSource
{
    /// <summary>The pipeline's state now.</summary>
    HealthSnapshot GetHealth();
}
