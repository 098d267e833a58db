using System.Collections.Concurrent;
using TokenClean.Core.Sources;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The current assignment generation of each partition. Only the partition owner (the consumer thread) starts and
/// ends generations, on assignment, revocation, loss and after the lake reopened; records carry the generation they
/// were consumed under, and the stages drop a record whose generation is no longer current, so nothing of a revoked
/// partition is written after the revocation (another instance owns it now). Reads are thread-safe.
/// </summary>
internal sealed class PartitionGenerations
{
    private readonly ConcurrentDictionary<SourcePartition, int> _current = new();
    private int _next;

    /// <summary>The newest generation started so far (0 before the first).</summary>
    public int LastIssued => Volatile.Read(ref _next);

    /// <summary>Starts a new generation for an assigned partition and returns it.</summary>
    public int Assign(SourcePartition partition)
    {
        var g = Interlocked.Increment(ref _next);
        _current[partition] = g;
        return g;
    }

    /// <summary>Ends the partition's generation: its in-flight records become stale.</summary>
    public void Revoke(SourcePartition partition) => _current.TryRemove(partition, out _);

    public int? Current(SourcePartition partition) => _current.TryGetValue(partition, out var g) ? g : null;

    public bool IsCurrent(ConsumedRecord record) =>
        _current.TryGetValue(record.Position.Source, out var g) && g == record.Generation;

    public IReadOnlyList<(SourcePartition Partition, int Generation)> Snapshot()
    {
        var list = new List<(SourcePartition, int)>();
        foreach (var (p, g) in _current)
        {
            list.Add((p, g));
        }

        return list;
    }
}
