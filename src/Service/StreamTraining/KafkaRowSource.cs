using System.Globalization;
using Apache.Arrow.Ipc;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;

namespace TokenClean.Service.StreamTraining;

/// <summary>
/// Follows the Kafka output topic in a consumer group of its own. Where to start is the trainer's cursor (the
/// published version's record, authoritative); the group's committed offsets are moved after each published version,
/// so tools that watch consumer lag see the trainer's progress, and they are the start only for partitions the cursor
/// does not know.
/// </summary>
/// <remarks>One caller thread; partition callbacks run inside <see cref="Poll"/> on that thread. Run one trainer per group.</remarks>
public sealed class KafkaRowSource : ICleanedRowSource
{
    private static readonly Apache.Arrow.Compression.CompressionCodecFactory Codecs = new();
    private readonly KafkaRowSourceOptions _options;
    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly PendingRows _pending = new();
    private StreamCursor _read;

    public KafkaRowSource(KafkaRowSourceOptions options, StreamCursor start)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _read = start ?? throw new ArgumentNullException(nameof(start));
        KafkaNative.EnsureLoaded();
        var config = new ConsumerConfig(new Dictionary<string, string>(options.Properties ?? new Dictionary<string, string>(), StringComparer.Ordinal))
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        _consumer = new ConsumerBuilder<Ignore, byte[]>(config)
            .SetPartitionsAssignedHandler((_, parts) => parts.Select(p =>
                _read.Positions.TryGetValue(KeyOf(p.Topic, p.Partition.Value), out var at)
                    ? new TopicPartitionOffset(p, new Offset(at.Offset))
                    : new TopicPartitionOffset(p, Offset.Unset)))
            .Build();
        _consumer.Subscribe(options.Topic);
    }

    public string Description => $"kafka topic {_options.Topic} (group {_options.GroupId})";

    public static string KeyOf(string topic, int partition) => string.Create(CultureInfo.InvariantCulture, $"kafka:{topic}/{partition}");

    public IReadOnlyList<CleanedRow> Poll(int learnable, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(learnable, 1);
        var rows = _pending.Take(learnable);
        var deadline = DateTime.UtcNow + wait;
        while (rows.Count(r => r.Learnable) < learnable)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var left = deadline - DateTime.UtcNow;
            var record = _consumer.Consume(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (record?.Message is null)
            {
                break; // nothing more within the wait (a partition end is not reported: EnablePartitionEof is off)
            }

            Decode(record);
            rows.AddRange(_pending.Take(learnable - rows.Count(r => r.Learnable)));
        }

        return rows;
    }

    public void Committed(StreamCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (key, at) in cursor.Positions)
        {
            var prefix = $"kafka:{_options.Topic}/";
            if (key.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var partition))
            {
                offsets.Add(new TopicPartitionOffset(_options.Topic, partition, at.Offset)); // a partly used message is read again; the cursor skips its used rows
            }
        }

        if (offsets.Count > 0)
        {
            _consumer.Commit(offsets);
        }
    }

    public void Dispose()
    {
        try
        {
            _consumer.Close();
        }
        catch (KafkaException)
        {
            // leaving the group late is harmless: the cursor decides where the next run starts
        }

        _consumer.Dispose();
    }

    private void Decode(ConsumeResult<Ignore, byte[]> record)
    {
        var key = KeyOf(record.Topic, record.Partition.Value);
        var at = _read[key];
        var offset = record.Offset.Value;
        if (_read.Positions.ContainsKey(key) && offset < at.Offset)
        {
            return; // delivered again (a rebalance or a commit behind the cursor): used or queued already
        }

        var skip = offset == at.Offset ? at.Rows : 0;
        var decoded = new List<(Core.Samples.TokenizedSample Sample, string ScoredBy, bool Learnable)>();
        var where = string.Create(CultureInfo.InvariantCulture, $"{record.Topic}/{record.Partition.Value}@{offset}");
        using (var reader = new ArrowStreamReader(new MemoryStream(record.Message.Value ?? []), Codecs))
        {
            while (reader.ReadNextRecordBatch() is { } batch)
            {
                using (batch)
                {
                    decoded.AddRange(CleanedRowDecoder.Decode(batch, where));
                }
            }
        }

        for (var i = skip; i < decoded.Count; i++)
        {
            var after = i + 1 == decoded.Count ? new StreamPosition(offset + 1, 0) : new StreamPosition(offset, i + 1);
            var (sample, scoredBy, learnable) = decoded[i];
            _pending.Add(new CleanedRow(sample, scoredBy, string.Create(CultureInfo.InvariantCulture, $"{where}#{i}"), key, after, learnable));
        }

        _read = _read.With(key, new StreamPosition(offset + 1, 0));
    }
}
