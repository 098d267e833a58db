using TokenClean.Sink.Lake;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Kafka;

/// <summary>
/// A batch the Kafka output sink has published and the brokers acknowledged (acks=all): the input offsets
/// <see cref="FirstOffset"/>..<see cref="LastOffset"/> of <see cref="Source"/> are durable in the output topic.
/// </summary>
public sealed record PublishedBatch(SourcePartition Source, long FirstOffset, long LastOffset, int Records, int OutputPartition, long OutputOffset)
{
    public long NextOffset => LastOffset + 1;
}
