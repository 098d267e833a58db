namespace TokenClean.Service.Observability;

/// <summary>One partition in /status.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition number.</param>
/// <param name="CommittedOffset">The offset last committed; null when the pipeline did not report the partition.</param>
/// <param name="Lag">High watermark minus position; null when not measured yet.</param>
public sealed record PartitionStatus(string Topic, int Partition, long? CommittedOffset, long? Lag);
