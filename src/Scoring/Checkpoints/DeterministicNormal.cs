namespace TokenClean.Scoring.Checkpoints;

/// <summary>
/// A seeded normal-variate stream (SplitMix64 + Box–Muller) whose output is fixed by its seed forever, unlike
/// System.Random, so checkpoints made from a seed are the same on every machine and runtime version.
/// </summary>
public sealed class DeterministicNormal
{
    private ulong _state;
    private double? _spare;

    public DeterministicNormal(ulong seed) => _state = seed;

    /// <summary>A stream for one tensor: the run's seed mixed with a stable (FNV-1a) hash of the name.</summary>
    public static DeterministicNormal For(long seed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var h = 14695981039346656037UL;
        foreach (var ch in name)
        {
            h = (h ^ ch) * 1099511628211UL;
        }

        return new DeterministicNormal(h ^ ((ulong)seed * 0x9E3779B97F4A7C15UL));
    }

    /// <summary>Next N(0, 1) variate.</summary>
    public double Next()
    {
        if (_spare is { } s)
        {
            _spare = null;
            return s;
        }

        var u1 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        var u2 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
        var r = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    private ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
