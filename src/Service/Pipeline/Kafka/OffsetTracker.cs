using TokenClean.Core.Sources;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// Decides which Kafka offsets may be committed: per partition, the offset after the longest prefix of consumed
/// records whose output (or dead letter) is durable. Records finish out of order (parallel tokenization, batching),
/// so a finished record beyond an unfinished one is held back until the gap closes — invariant 1 of
/// docs/ARCHITECTURE.md: never commit an offset whose record might still be lost.
/// </summary>
/// <remarks>Written by the partition owner on the consumer thread only; the lock serves readers of <see cref="InFlight"/> (/status).</remarks>
public sealed class OffsetTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<SourcePartition, PartitionState> _partitions = [];

    /// <summary>
    /// Starts (or restarts) a partition at <paramref name="offset"/>, the first offset to be consumed: committable at
    /// once, before any record arrives.
    /// </summary>
    public void Start(SourcePartition partition, long offset)
    {
        lock (_gate)
        {
            _partitions[partition] = new PartitionState(offset);
        }
    }

    /// <summary>Records that <paramref name="position"/> was handed to the pipeline. Offsets per partition must increase.</summary>
    public void Consumed(SourceOffset position)
    {
        var (key, offset) = position;
        lock (_gate)
        {
            if (!_partitions.TryGetValue(key, out var state))
            {
                state = new PartitionState(offset);
                _partitions[key] = state;
            }

            if (offset < state.NextExpected)
            {
                throw new InvalidOperationException(
                    $"{key}: offset {offset} consumed after {state.NextExpected - 1}; offsets must increase");
            }

            // Offsets skipped by Kafka (compaction, transaction markers) have no record to wait for.
            for (var o = state.NextExpected; o < offset; o++)
            {
                state.Done.Add(o);
            }

            state.InFlight.Add(offset);
            state.NextExpected = offset + 1;
        }
    }

    /// <summary>Records that the output for <paramref name="offset"/> is durable.</summary>
    public void Done(SourcePartition partition, long offset)
    {
        lock (_gate)
        {
            // A partition revoked meanwhile: its work is abandoned and will be redone by the new owner.
            if (!_partitions.TryGetValue(partition, out var state) || !state.InFlight.Remove(offset))
            {
                return;
            }

            state.Done.Add(offset);
            while (state.Done.Remove(state.Committable))
            {
                state.Committable++;
            }
        }
    }

    /// <summary>Per partition, the position to commit: the next record to read after a restart.</summary>
    public IReadOnlyList<SourceOffset> Committable()
    {
        lock (_gate)
        {
            var result = new List<SourceOffset>(_partitions.Count);
            foreach (var (partition, state) in _partitions)
            {
                result.Add(partition.At(state.Committable));
            }

            return result;
        }
    }

    /// <summary>Records consumed but not yet durable, over all partitions.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                var n = 0;
                foreach (var state in _partitions.Values)
                {
                    n += state.InFlight.Count;
                }

                return n;
            }
        }
    }

    /// <summary>Forgets a partition (revoked or lost): its unfinished records are not ours to commit any more.</summary>
    public void Revoke(SourcePartition partition)
    {
        lock (_gate)
        {
            _partitions.Remove(partition);
        }
    }

    private sealed class PartitionState(long first)
    {
        public long Committable { get; set; } = first;

        public long NextExpected { get; set; } = first;

        public HashSet<long> InFlight { get; } = [];

        public HashSet<long> Done { get; } = [];
    }
}
