namespace TokenClean.Service.Pipeline;

/// <summary>One moment of the pipeline, for /status.</summary>
/// <param name="State">starting, running, draining, stopped or failed.</param>
/// <param name="Partitions">Assigned partitions with the offset last committed to Kafka (null: none yet).</param>
/// <param name="QueueDepths">Messages waiting per block mailbox.</param>
/// <param name="InFlight">Records consumed whose output is not durable yet.</param>
/// <param name="Held">Records taken from Kafka and waiting for room in the first mailbox (bounded by the fetch queue).</param>
/// <param name="Paused">True while the consumer's partitions are paused for backpressure.</param>
/// <param name="Written">Rows written since start.</param>
/// <param name="DeadLettered">Records dead-lettered since start.</param>
public sealed record PipelineStatusSnapshot(
    string State,
    IReadOnlyList<PartitionStatus> Partitions,
    IReadOnlyDictionary<string, int> QueueDepths,
    int InFlight,
    int Held,
    bool Paused,
    long Written,
    long DeadLettered);
