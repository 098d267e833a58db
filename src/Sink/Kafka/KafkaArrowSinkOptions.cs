using TokenClean.Sink.Arrow;

namespace TokenClean.Sink.Kafka;

/// <summary>Settings of <see cref="KafkaArrowSink"/>.</summary>
public sealed class KafkaArrowSinkOptions
{
    /// <summary>The output topic.</summary>
    public required string Topic { get; init; }

    /// <summary>Publish a message once its batch holds this many rows. Default 256.</summary>
    public int MaxRecordsPerMessage { get; init; } = 256;

    /// <summary>
    /// Publish a message once its token data reaches this size. Default 900 kB, under Kafka's default 1 MB
    /// message limit; raise both together (broker <c>message.max.bytes</c>, producer <c>MessageMaxBytes</c>).
    /// </summary>
    public long MaxBytesPerMessage { get; init; } = 900_000;

    /// <summary>Arrow IPC body compression of each message (default none; readers need the codec).</summary>
    public ArrowCompression Compression { get; init; } = ArrowCompression.None;
}
