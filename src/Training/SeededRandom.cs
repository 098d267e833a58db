namespace TokenClean.Training;

/// <summary>
/// SplitMix64: a tiny generator whose sequence depends only on the seed (never on the .NET version), so epoch
/// orders and adapter initialisations are reproducible across machines and resumes.
/// </summary>
internal struct SeededRandom
{
    private ulong _state;

    public SeededRandom(long seed, ulong stream = 0) => _state = unchecked((ulong)seed ^ (stream * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL);

    public ulong NextUInt64()
    {
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform in [0, <paramref name="n"/>) (Lemire's multiply-shift; the bias is below 2⁻³² for n &lt; 2³²).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 32) * (ulong)n >> 32);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A stream id from a name (FNV-1a), so each tensor gets its own sequence.</summary>
    public static ulong StreamOf(string name)
    {
        var h = 14695981039346656037UL;
        foreach (var ch in name)
        {
            h = unchecked((h ^ ch) * 1099511628211UL);
        }

        return h;
    }
}
