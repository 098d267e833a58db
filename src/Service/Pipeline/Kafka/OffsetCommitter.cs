using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TokenClean.Core.Sources;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Commits positions to the consumer group and remembers what it committed per partition (to skip repeats, and for
/// /status). Used on the consumer thread; <see cref="CommittedOffset"/> may be read from any thread.
/// </summary>
internal sealed class OffsetCommitter(ILogger log)
{
    private readonly Dictionary<SourcePartition, long> _committed = [];
    private readonly ConcurrentDictionary<SourcePartition, long> _view = new();

    /// <summary>What this instance last committed for the partition (or the group's offset at assignment).</summary>
    public long? CommittedOffset(SourcePartition partition) => _view.TryGetValue(partition, out var o) ? o : null;

    /// <summary>The group's offset at assignment, or what this instance committed since.</summary>
    public long Known(SourcePartition partition) => _committed.GetValueOrDefault(partition);

    /// <summary>A partition was (re)assigned with the group's committed offset (-1: none).</summary>
    public void Assigned(SourcePartition partition, long group)
    {
        _committed.Remove(partition);
        if (group >= 0)
        {
            _committed[partition] = group;
            _view[partition] = group;
        }
    }

    /// <summary>
    /// Commits the positions not committed yet. Returns false when the commit was refused (logged; a later commit
    /// tries again).
    /// </summary>
    public bool Commit(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<SourceOffset> positions)
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (partition, offset) in positions)
        {
            if (_committed.TryGetValue(partition, out var done) && done >= offset)
            {
                continue;
            }

            offsets.Add(new TopicPartitionOffset(partition.Topic, partition.Partition!.Value, offset));
        }

        if (offsets.Count == 0)
        {
            return true;
        }

        try
        {
            consumer.Commit(offsets);
            foreach (var tpo in offsets)
            {
                var p = SourcePartition.Kafka(tpo.Topic, tpo.Partition.Value);
                _committed[p] = tpo.Offset.Value;
                _view[p] = tpo.Offset.Value;
            }

            return true;
        }
        catch (KafkaException e)
        {
            // Not fatal: the lake holds the output, and a later commit (or the lake's next offset) covers it.
            log.LogWarning("Committing offsets failed: {Reason}", e.Error.Reason);
            return false;
        }
    }

    /// <summary>The partitions left this instance.</summary>
    public void Forget(IEnumerable<SourcePartition> partitions)
    {
        foreach (var p in partitions)
        {
            _committed.Remove(p);
            _view.TryRemove(p, out _);
        }
    }
}
