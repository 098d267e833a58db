using TokenClean.Core.Sources;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// What the sink reports to the source's partition owner, which applies it on its own thread: the sink never
/// touches the offset tracker, the generations or the consumer.
/// </summary>
internal abstract record SinkReport;

/// <summary>These offsets of <paramref name="Partition"/> are durable (their lake file or dead letter is committed).</summary>
internal sealed record OffsetsDurable(SourcePartition Partition, IReadOnlyList<long> Offsets) : SinkReport;

/// <summary>
/// The lake failed and was reopened: nothing of generations up to <paramref name="StaleThrough"/> will be written
/// any more. The owner starts new generations and seeks every partition back to where the lake stands.
/// </summary>
internal sealed record LakeReopened(int StaleThrough) : SinkReport;
