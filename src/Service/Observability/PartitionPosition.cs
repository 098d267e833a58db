namespace TokenClean.Service.Observability;

/// <summary>An assigned partition and the offset last committed for it (-1 when none yet).</summary>
public readonly record struct PartitionPosition(string Topic, int Partition, long CommittedOffset);
