using System.Globalization;
using System.Text;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Dead letters to a Kafka topic: value = the original bytes, headers = the original headers plus
/// <see cref="DeadLetterHeaders"/>. Idempotent producer with acks=all; <see cref="WriteDurably"/> waits for every
/// acknowledgement. At least once: a crash after the acknowledgement and before the lake commit repeats the
/// dead letter (the headers' topic/partition/offset identify the repeat).
/// </summary>
internal sealed class KafkaDeadLetterSink : IDeadLetterSink
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly string _topic;

    public KafkaDeadLetterSink(string bootstrapServers, string topic, IEnumerable<KeyValuePair<string, string>> properties)
    {
        KafkaNative.EnsureLoaded();
        var config = new ProducerConfig(properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal))
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
        };
        _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        _topic = topic;
    }

    public void WriteDurably(IReadOnlyList<FinishedRecord> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var failures = 0;
        string? firstError = null;
        var acked = 0;
        foreach (var item in items)
        {
            var r = item.Record;
            var headers = new Headers();
            if (r.Headers is not null)
            {
                foreach (var h in r.Headers)
                {
                    headers.Add(h.Key, h.GetValueBytes());
                }
            }

            var rejection = item.Rejection!;
            headers.Add(DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(rejection.Code));
            if (rejection.LegacyCode is { } legacy)
            {
                headers.Add(DeadLetterHeaders.LegacyReason, Encoding.UTF8.GetBytes(legacy)); // for one release
            }

            headers.Add(DeadLetterHeaders.Message, Encoding.UTF8.GetBytes(rejection.Message));
            headers.Add(DeadLetterHeaders.Topic, Encoding.UTF8.GetBytes(r.Position.Source.Topic));
            headers.Add(DeadLetterHeaders.Partition, Encoding.UTF8.GetBytes((r.Position.Source.Partition ?? 0).ToString(CultureInfo.InvariantCulture)));
            headers.Add(DeadLetterHeaders.Offset, Encoding.UTF8.GetBytes(r.Position.Offset.ToString(CultureInfo.InvariantCulture)));
            if (item.SampleId is not null)
            {
                headers.Add(DeadLetterHeaders.SampleId, Encoding.UTF8.GetBytes(item.SampleId));
            }

            _producer.Produce(_topic, new Message<byte[]?, byte[]?> { Value = r.Value, Headers = headers }, report =>
            {
                if (report.Error.IsError)
                {
                    if (Interlocked.Increment(ref failures) == 1)
                    {
                        firstError = report.Error.Reason;
                    }
                }
                else
                {
                    Interlocked.Increment(ref acked);
                }
            });
        }

        var left = _producer.Flush(AckTimeout);
        if (left > 0 || Volatile.Read(ref failures) > 0 || Volatile.Read(ref acked) != items.Count)
        {
            throw new IOException(
                $"dead-letter topic '{_topic}': {Volatile.Read(ref acked)} of {items.Count} messages acknowledged ({left} still queued after {AckTimeout.TotalSeconds:F0} s){(firstError is null ? string.Empty : ": " + firstError)}");
        }
    }

    public void Forget(string topic, int partition)
    {
    }

    public void Dispose()
    {
        _producer.Flush(AckTimeout);
        _producer.Dispose();
    }
}
