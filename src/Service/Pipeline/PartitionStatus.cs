namespace TokenClean.Service.Pipeline;

/// <summary>One assigned input partition in <see cref="PipelineStatusSnapshot"/>.</summary>
public sealed record PartitionStatus(string Topic, int Partition, int Generation, long? CommittedOffset);
