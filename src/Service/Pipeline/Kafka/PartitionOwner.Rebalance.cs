using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using TokenClean.Core.Sources;

namespace TokenClean.Service.Pipeline;

/// <summary>The partition lifecycle: assignment, revocation, loss, and the seek back after the lake reopened.</summary>
/// <remarks>Runs on the consumer thread: the callbacks inside Consume, <see cref="Reseek"/> from the loop.</remarks>
internal sealed partial class PartitionOwner
{
    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        List<TopicPartitionOffset> committed;
        try
        {
            committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
        }
        catch (KafkaException e)
        {
            _log.LogWarning("Reading committed offsets failed ({Reason}); starting from the lake's offsets", e.Error.Reason);
            committed = [];
        }

        var result = new List<TopicPartitionOffset>(partitions.Count);
        foreach (var tp in partitions)
        {
            var partition = SourcePartition.Kafka(tp.Topic, tp.Partition.Value);
            _generations.Assign(partition);
            var lake = _sink.Resume(partition);
            long group = -1;
            foreach (var c in committed)
            {
                if (c.TopicPartition == tp && c.Offset.Value >= 0)
                {
                    group = c.Offset.Value;
                }
            }

            var start = Math.Max(lake, group);
            _lakeAhead |= lake > group && lake > 0;
            if (start > 0 || group >= 0)
            {
                // Committable from the start offset on, even before a record arrives (nothing may follow a lake that is ahead).
                _tracker.Start(partition, start);
            }

            _commits.Assigned(partition, group);
            result.Add(new TopicPartitionOffset(tp, start > 0 || group >= 0 ? new Offset(start) : Offset.Unset));
            _log.LogInformation("Assigned {Partition}: starting at offset {Offset} (group committed {Group}, lake next {Lake})", partition, start, group, lake);
        }

        // Once the assignment is in effect, the loop brings the new partitions to the source's pause state.
        _assignmentChanged = true;
        return result;
    }

    private void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        var revoked = Partitions(partitions);
        DropHeld(revoked);
        foreach (var p in revoked)
        {
            _generations.Revoke(p); // nothing more of them is written
        }

        _sink.Flush(recover: true);
        ApplyReports();
        var commit = new List<SourceOffset>();
        foreach (var c in _tracker.Committable())
        {
            if (revoked.Contains(c.Source))
            {
                commit.Add(c);
            }
        }

        _commits.Commit(consumer, commit);
        foreach (var p in revoked)
        {
            _tracker.Revoke(p);
        }

        _sink.Forget(revoked);
        _commits.Forget(revoked);
        _log.LogInformation("Revoked {Count} partitions; committed {Offsets}", revoked.Count, string.Join(", ", commit));
    }

    private void OnLost(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> partitions)
    {
        // Lost (session expired): another member may already own them, so nothing is committed for them.
        var lost = Partitions(partitions);
        DropHeld(lost);
        foreach (var p in lost)
        {
            _generations.Revoke(p);
        }

        ApplyReports();
        foreach (var p in lost)
        {
            _tracker.Revoke(p);
        }

        _sink.Discard(lost); // discards their open lake files: the new owner writes those offsets
        _commits.Forget(lost);
        _log.LogWarning("Lost {Count} partitions", lost.Count);
    }

    private static List<SourcePartition> Partitions(List<TopicPartitionOffset> partitions)
    {
        var list = new List<SourcePartition>(partitions.Count);
        foreach (var tpo in partitions)
        {
            list.Add(SourcePartition.Kafka(tpo.Topic, tpo.Partition.Value));
        }

        return list;
    }

    private void DropHeld(List<SourcePartition> partitions)
    {
        var keep = new Queue<ConsumedRecord>(_held.Count);
        while (_held.Count > 0)
        {
            var r = _held.Dequeue();
            if (!partitions.Contains(r.Position.Source))
            {
                keep.Enqueue(r);
            }
        }

        while (keep.Count > 0)
        {
            _held.Enqueue(keep.Dequeue());
        }
    }

    /// <summary>After the lake was reopened: new generations, and every partition back to where the lake stands.</summary>
    private void Reseek(IConsumer<byte[]?, byte[]?> consumer)
    {
        _held.Clear();
        foreach (var tp in consumer.Assignment)
        {
            var partition = SourcePartition.Kafka(tp.Topic, tp.Partition.Value);
            // A record consumed while the sink was recovering may have registered the partition again: start clean.
            _tracker.Revoke(partition);
            _generations.Assign(partition);
            var start = Math.Max(_sink.Resume(partition), _commits.Known(partition));
            try
            {
                consumer.Seek(new TopicPartitionOffset(tp, new Offset(start)));
                _log.LogInformation("Lake reopened: {Partition} seeks back to {Offset}", partition, start);
            }
            catch (KafkaException e)
            {
                throw new InvalidOperationException($"cannot seek {tp} back to {start} after reopening the lake: {e.Error.Reason}", e);
            }
        }
    }
}
