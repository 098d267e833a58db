namespace TokenClean.Service.Observability;

/// <summary>
/// The most recent <c>capacity</c> values in a ring, for quantiles over a recent window with fixed memory.
/// Writers never block (one interlocked increment per value); a reader copies the ring.
/// </summary>
internal sealed class Reservoir(int capacity)
{
    private readonly float[] _ring = new float[capacity];
    private long _written;

    public int Capacity => _ring.Length;

    public long Written => Interlocked.Read(ref _written);

    public void Add(float value)
    {
        var i = Interlocked.Increment(ref _written) - 1;
        _ring[(int)(i % _ring.Length)] = value;
    }

    /// <summary>The values now in the window, sorted ascending.</summary>
    public float[] SortedWindow()
    {
        var n = (int)Math.Min(Written, _ring.Length);
        var copy = new float[n];
        Array.Copy(_ring, copy, n);
        Array.Sort(copy);
        return copy;
    }

    /// <summary>The <paramref name="q"/> quantile of sorted values by linear interpolation (R type 7); NaN when empty.</summary>
    public static double Quantile(float[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }
}
