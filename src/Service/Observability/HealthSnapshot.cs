namespace TokenClean.Service.Observability;

/// <summary>What the pipeline reports about itself (see <see cref="IHealthSource"/>).</summary>
/// <param name="Running">True from the pipeline's start until it stops or faults.</param>
/// <param name="KafkaLastReachable">
/// The last time a Kafka request succeeded (a fetch, a commit, a metadata answer); null before the first.
/// </param>
/// <param name="Problem">Why the pipeline cannot do its work (a faulted block, a fatal Kafka error); null when none.</param>
/// <param name="Partitions">The partitions assigned to this instance now, with the offset last committed for each.</param>
public sealed record HealthSnapshot(
    bool Running,
    DateTimeOffset? KafkaLastReachable,
    string? Problem,
    IReadOnlyList<PartitionPosition> Partitions);
