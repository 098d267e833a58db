using System.Globalization;
using System.Text;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Kafka;

/// <summary>
/// Publishes output records to a Kafka topic for trainers that consume Kafka: each message value is one
/// self-contained Arrow IPC stream (schema, one record batch, end marker) of rows from one source partition,
/// keyed by that source so that its batches stay in order; headers carry the schema version and provenance.
/// </summary>
/// <remarks>
/// Not thread-safe: one caller. Rows are durable once <see cref="FlushAsync"/> (or a publish triggered by
/// <see cref="Append(SourcePartition, long, OutputRecord)"/>) reports their batch: the producer uses acks=all and
/// idempotence, and a batch is reported only after the brokers acknowledged it. Commit input offsets only then.
/// A failed delivery throws <see cref="ProduceException{TKey, TValue}"/> from <see cref="FlushAsync"/>.
/// </remarks>
public sealed class KafkaArrowSink : IDisposable
{
    private readonly IProducer<byte[], byte[]> _producer;
    private readonly bool _ownsProducer;
    private readonly KafkaArrowSinkOptions _options;
    private readonly Apache.Arrow.Schema _schema;
    private readonly Dictionary<SourcePartition, Pending> _batches = [];
    private readonly List<Task<PublishedBatch>> _inFlight = [];

    public KafkaArrowSink(IProducer<byte[], byte[]> producer, KafkaArrowSinkOptions options, OutputMetadata metadata, bool ownsProducer = false)
    {
        _producer = producer ?? throw new ArgumentNullException(nameof(producer));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.Topic);
        _schema = OutputSchema.Create(metadata ?? throw new ArgumentNullException(nameof(metadata)));
        _ownsProducer = ownsProducer;
    }

    /// <summary>A sink with its own idempotent, acks=all producer to <paramref name="bootstrapServers"/>.</summary>
    public static KafkaArrowSink Create(string bootstrapServers, KafkaArrowSinkOptions options, OutputMetadata metadata) =>
        Create(bootstrapServers, options, metadata, null);

    /// <summary>
    /// A sink with its own idempotent, acks=all producer to <paramref name="bootstrapServers"/>, with further librdkafka
    /// settings (SASL/SSL: <c>security.protocol</c>, <c>sasl.mechanism</c>, ...); acks and idempotence win over the same
    /// keys in <paramref name="properties"/>.
    /// </summary>
    public static KafkaArrowSink Create(string bootstrapServers, KafkaArrowSinkOptions options, OutputMetadata metadata, IReadOnlyDictionary<string, string>? properties)
    {
        KafkaNative.EnsureLoaded();
        var config = new ProducerConfig(new Dictionary<string, string>(properties ?? new Dictionary<string, string>(), StringComparer.Ordinal))
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
        };
        return new KafkaArrowSink(new ProducerBuilder<byte[], byte[]>(config).Build(), options, metadata, ownsProducer: true);
    }

    /// <summary>Appends a Kafka record, placed by its provenance columns.</summary>
    public void Append(OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.SourceTopic is null || record.SourcePartition is null || record.SourceOffset is null)
        {
            throw new ArgumentException($"record '{record.SampleId}' has no Kafka provenance; use Append(source, offset, record)", nameof(record));
        }

        Append(SourcePartition.Kafka(record.SourceTopic, record.SourcePartition.Value), record.SourceOffset.Value, record);
    }

    /// <summary>Buffers the row; publishes its source's batch when it is full (without waiting for the acknowledgement).</summary>
    public void Append(SourcePartition source, long offset, OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!_batches.TryGetValue(source, out var pending))
        {
            pending = new Pending(new OutputBatch(_schema));
            _batches[source] = pending;
        }

        if (pending.Batch.Count == 0)
        {
            pending.FirstOffset = offset;
        }

        pending.Batch.Append(record);
        pending.LastOffset = offset;
        if (pending.Batch.Count >= _options.MaxRecordsPerMessage || pending.Batch.TokenBytes >= _options.MaxBytesPerMessage)
        {
            Publish(source, pending);
        }
    }

    /// <summary>Publishes every partial batch and waits until the brokers acknowledged everything published.</summary>
    /// <returns>The acknowledged batches, in publish order per source.</returns>
    public async Task<IReadOnlyList<PublishedBatch>> FlushAsync(CancellationToken cancellationToken = default)
    {
        foreach (var (source, pending) in _batches)
        {
            if (pending.Batch.Count > 0)
            {
                Publish(source, pending);
            }
        }

        var tasks = _inFlight.ToArray();
        _inFlight.Clear();
        return await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_ownsProducer)
        {
            _producer.Dispose();
        }
    }

    private void Publish(SourcePartition source, Pending pending)
    {
        var value = ArrowIpcBatchWriter.SerializeStream(pending.Batch.Builder, _options.Compression);
        var records = pending.Batch.Count;
        var first = pending.FirstOffset;
        var last = pending.LastOffset;
        pending.Batch.Clear();
        var headers = new Headers
        {
            { KafkaArrowHeaders.ContentType, Encoding.UTF8.GetBytes(KafkaArrowHeaders.ContentTypeValue) },
            { KafkaArrowHeaders.SchemaVersion, Encoding.UTF8.GetBytes(OutputMetadata.SchemaVersion) },
            { KafkaArrowHeaders.SourceTopic, Encoding.UTF8.GetBytes(source.Topic) },
            { KafkaArrowHeaders.FirstOffset, Text(first) },
            { KafkaArrowHeaders.LastOffset, Text(last) },
            { KafkaArrowHeaders.RecordCount, Text(records) },
        };
        if (source.Partition is { } p)
        {
            headers.Add(KafkaArrowHeaders.SourcePartition, Text(p));
        }

        var key = Encoding.UTF8.GetBytes(source.Partition is { } part ? $"{source.Topic}+{part.ToString(CultureInfo.InvariantCulture)}" : source.Topic);
        var message = new Message<byte[], byte[]> { Key = key, Value = value, Headers = headers };
        _inFlight.Add(Deliver(message, source, first, last, records));
    }

    private async Task<PublishedBatch> Deliver(Message<byte[], byte[]> message, SourcePartition source, long first, long last, int records)
    {
        var result = await _producer.ProduceAsync(_options.Topic, message).ConfigureAwait(false);
        return new PublishedBatch(source, first, last, records, result.Partition.Value, result.Offset.Value);
    }

    private static byte[] Text(long value) => Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private sealed class Pending(OutputBatch batch)
    {
        public OutputBatch Batch { get; } = batch;

        public long FirstOffset { get; set; }

        public long LastOffset { get; set; }
    }
}
