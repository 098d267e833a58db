namespace TokenClean.Scoring.Selection;

/// <summary>
/// A mergeable quantile sketch over a stream of floats (Karnin, Lang and Liberty, "Optimal Quantile Approximation
/// in Streams", FOCS 2016): a stack of compactors, level h holding items that each stand for 2^h stream values.
/// When the sketch is full, the lowest full level is sorted and every other item (from a random offset) moves up a
/// level with twice the weight. Memory is O(k) floats whatever the stream's length; the rank error of a query is
/// about 1.7/k of the count with high probability (k = 1024: ~0.17%).
/// </summary>
/// <remarks>
/// Written here because no maintained .NET package offers a mergeable quantile sketch (Apache DataSketches has no
/// C# port). Two sketches of the same <c>k</c> merge into one that summarises both streams (replicas, restarts).
/// Deterministic for a given seed and insertion order. NaN values are ignored. Not thread-safe.
/// </remarks>
public sealed class KllSketch
{
    private const double CapacityDecay = 2.0 / 3.0;
    private const int MinLevelCapacity = 8;

    private readonly List<List<float>> _levels = [[]];
    private readonly Random _random;
    private int _size;
    private int _capacity;

    /// <summary>Creates an empty sketch.</summary>
    /// <param name="k">Accuracy parameter: the capacity of the top level (≥ 8). Error ≈ 1.7/k of the count.</param>
    /// <param name="seed">Seeds the compaction offsets (results are reproducible for the same seed and input).</param>
    public KllSketch(int k = 1024, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, MinLevelCapacity);
        K = k;
        _random = new Random(seed);
        _capacity = Capacity();
    }

    /// <summary>The accuracy parameter.</summary>
    public int K { get; }

    /// <summary>Values added (NaN excluded), merged sketches included.</summary>
    public long Count { get; private set; }

    /// <summary>Items held (the memory in floats).</summary>
    public int Retained => _size;

    /// <summary>Smallest value seen (NaN when empty).</summary>
    public float Min { get; private set; } = float.NaN;

    /// <summary>Largest value seen (NaN when empty).</summary>
    public float Max { get; private set; } = float.NaN;

    /// <summary>Adds one value; NaN is ignored.</summary>
    public void Add(float value)
    {
        if (float.IsNaN(value))
        {
            return;
        }

        Min = Count == 0 || value < Min ? value : Min;
        Max = Count == 0 || value > Max ? value : Max;
        Count++;
        _levels[0].Add(value);
        _size++;
        if (_size >= _capacity)
        {
            Compress();
        }
    }

    /// <summary>Adds every non-NaN value of <paramref name="values"/>.</summary>
    public void AddRange(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            Add(v);
        }
    }

    /// <summary>Folds <paramref name="other"/> (same <see cref="K"/>) into this sketch; <paramref name="other"/> is unchanged.</summary>
    public void Merge(KllSketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.K != K)
        {
            throw new ArgumentException($"cannot merge a sketch of k={other.K} into one of k={K}", nameof(other));
        }

        if (other.Count == 0)
        {
            return;
        }

        while (_levels.Count < other._levels.Count)
        {
            _levels.Add([]);
        }

        for (var h = 0; h < other._levels.Count; h++)
        {
            _levels[h].AddRange(other._levels[h]);
            _size += other._levels[h].Count;
        }

        Min = Count == 0 || other.Min < Min ? other.Min : Min;
        Max = Count == 0 || other.Max > Max ? other.Max : Max;
        Count += other.Count;
        _capacity = Capacity();
        while (_size >= _capacity)
        {
            Compress();
        }
    }

    /// <summary>
    /// The estimated fraction of values that are ≤ <paramref name="value"/> (0 when empty).
    /// </summary>
    public double Rank(float value)
    {
        if (Count == 0)
        {
            return 0;
        }

        long below = 0;
        for (var h = 0; h < _levels.Count; h++)
        {
            var n = 0;
            foreach (var v in _levels[h])
            {
                if (v <= value)
                {
                    n++;
                }
            }

            below += (long)n << h;
        }

        return Math.Min(1.0, below / (double)Count);
    }

    /// <summary>
    /// The estimated value below which a fraction <paramref name="q"/> of the values lie: the smallest retained item
    /// whose estimated rank reaches q (q = 0: the minimum; q = 1: the maximum). NaN when empty.
    /// </summary>
    public float Quantile(double q)
    {
        if (!(q >= 0 && q <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), q, "a quantile must be in [0, 1]");
        }

        if (Count == 0)
        {
            return float.NaN;
        }

        if (q == 0)
        {
            return Min;
        }

        if (q == 1)
        {
            return Max;
        }

        var values = new float[_size];
        var weights = new long[_size];
        var n = 0;
        long total = 0;
        for (var h = 0; h < _levels.Count; h++)
        {
            foreach (var v in _levels[h])
            {
                values[n] = v;
                weights[n++] = 1L << h;
                total += 1L << h;
            }
        }

        Array.Sort(values, weights);
        var target = q * total;
        long cumulative = 0;
        for (var i = 0; i < n; i++)
        {
            cumulative += weights[i];
            if (cumulative >= target)
            {
                return values[i];
            }
        }

        return Max;
    }

    private int LevelCapacity(int level)
    {
        var depth = _levels.Count - 1 - level;
        return Math.Max(MinLevelCapacity, (int)Math.Ceiling(K * Math.Pow(CapacityDecay, depth)));
    }

    private int Capacity()
    {
        var total = 0;
        for (var h = 0; h < _levels.Count; h++)
        {
            total += LevelCapacity(h);
        }

        return total;
    }

    /// <summary>Compacts the lowest level that is at or over its capacity (the top level grows a new one above it).</summary>
    private void Compress()
    {
        for (var h = 0; h < _levels.Count; h++)
        {
            var level = _levels[h];
            if (level.Count < LevelCapacity(h))
            {
                continue;
            }

            if (h + 1 == _levels.Count)
            {
                _levels.Add([]);
                _capacity = Capacity();
            }

            level.Sort();
            // An odd item out stays at this level (weight unchanged); the rest pair up and one of each pair moves up.
            var keepOne = level.Count % 2 == 1;
            var start = keepOne ? 1 : 0;
            var offset = _random.Next(2);
            var up = _levels[h + 1];
            for (var i = start + offset; i < level.Count; i += 2)
            {
                up.Add(level[i]);
            }

            var moved = (level.Count - start) / 2;
            var leftover = keepOne ? level[0] : 0f;
            level.Clear();
            if (keepOne)
            {
                level.Add(leftover);
            }

            _size -= moved * 2;
            _size += moved;
            return;
        }
    }
}
