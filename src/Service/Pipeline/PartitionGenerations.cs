using System.Collections.Concurrent;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The current assignment generation of each partition. The consumer bumps it on assignment and revocation; records
/// carry the generation they were consumed under, and blocks drop a record whose generation is no longer current,
/// so nothing of a revoked partition is written after the revocation (another instance owns it now).
/// </summary>
internal sealed class PartitionGenerations
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), int> _current = new();
    private int _next;

    /// <summary>Starts a new generation for an assigned partition and returns it.</summary>
    public int Assign(string topic, int partition)
    {
        var g = Interlocked.Increment(ref _next);
        _current[(topic, partition)] = g;
        return g;
    }

    /// <summary>Ends the partition's generation: its in-flight records become stale.</summary>
    public void Revoke(string topic, int partition) => _current.TryRemove((topic, partition), out _);

    public int? Current(string topic, int partition) => _current.TryGetValue((topic, partition), out var g) ? g : null;

    public bool IsCurrent(InputRecord record) =>
        _current.TryGetValue((record.Topic, record.Partition), out var g) && g == record.Generation;

    public IReadOnlyList<(string Topic, int Partition, int Generation)> Snapshot()
    {
        var list = new List<(string, int, int)>();
        foreach (var ((t, p), g) in _current)
        {
            list.Add((t, p, g));
        }

        return list;
    }
}
