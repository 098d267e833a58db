namespace TokenClean.Service.Observability;

/// <summary>
/// Counts of influences in fixed bins since start: <see cref="BinCount"/> bins of <see cref="BinWidth"/> nats from
/// <see cref="Min"/>, plus one count below and one above. One interlocked increment per value, no lock, fixed memory,
/// so the scorer threads can record every response token.
/// </summary>
internal sealed class InfluenceHistogram
{
    /// <summary>Lower edge of the first bin, in nats.</summary>
    public const double Min = -8;

    /// <summary>Width of every bin, in nats.</summary>
    public const double BinWidth = 0.1;

    /// <summary>Bins between <see cref="Min"/> and −<see cref="Min"/>.</summary>
    public const int BinCount = 160;

    private readonly long[] _bins = new long[BinCount];
    private long _below;
    private long _above;

    /// <summary>Counts <paramref name="value"/> in its bin; NaN is ignored.</summary>
    public void Add(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        var i = Math.Floor((value - Min) / BinWidth);
        if (i < 0)
        {
            Interlocked.Increment(ref _below);
        }
        else if (i >= BinCount)
        {
            Interlocked.Increment(ref _above);
        }
        else
        {
            Interlocked.Increment(ref _bins[(int)i]);
        }
    }

    /// <summary>A copy of the counts now (each count is read atomically; the copy as a whole is not a snapshot).</summary>
    public InfluenceHistogramStatus Snapshot()
    {
        var counts = new long[BinCount];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Read(ref _bins[i]);
        }

        return new InfluenceHistogramStatus(Min, BinWidth, counts, Interlocked.Read(ref _below), Interlocked.Read(ref _above));
    }
}
