namespace TokenClean.Service.Observability;

/// <summary>
/// Sums of a counter over the last N whole seconds: one bucket per second in a ring, so memory is fixed and old
/// seconds fall out as the ring wraps.
/// </summary>
internal sealed class RollingSum(int seconds)
{
    private readonly Lock _gate = new();
    private readonly long[] _sums = new long[seconds];
    private readonly long[] _stamps = CreateStamps(seconds);

    public int Seconds => _sums.Length;

    public void Add(long value, long second)
    {
        var i = (int)(second % _sums.Length);
        lock (_gate)
        {
            if (_stamps[i] != second)
            {
                _stamps[i] = second;
                _sums[i] = 0;
            }

            _sums[i] += value;
        }
    }

    /// <summary>The sum over the seconds (<paramref name="now"/> − N, <paramref name="now"/>].</summary>
    public long Sum(long now)
    {
        long total = 0;
        lock (_gate)
        {
            for (var i = 0; i < _sums.Length; i++)
            {
                if (_stamps[i] > now - _sums.Length && _stamps[i] <= now)
                {
                    total += _sums[i];
                }
            }
        }

        return total;
    }

    /// <summary>The per-second sums of the seconds (<paramref name="now"/> − N, <paramref name="now"/>], oldest first.</summary>
    public long[] Series(long now)
    {
        var series = new long[_sums.Length];
        lock (_gate)
        {
            for (var k = 0; k < series.Length; k++)
            {
                var second = now - series.Length + 1 + k;
                var i = (int)(((second % _sums.Length) + _sums.Length) % _sums.Length);
                series[k] = _stamps[i] == second ? _sums[i] : 0;
            }
        }

        return series;
    }

    private static long[] CreateStamps(int seconds)
    {
        var stamps = new long[seconds];
        Array.Fill(stamps, long.MinValue);
        return stamps;
    }
}
