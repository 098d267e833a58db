namespace TokenClean.Service.Refresh;

/// <summary>
/// The order of checkpoint versions: natural sort of their names. Runs of digits compare by numeric value, other
/// characters ordinally, so <c>step-99 &lt; step-100</c> and <c>step-000100 &lt; step-000200</c>; names that tie
/// that way (<c>step-7</c> vs <c>step-007</c>) fall back to ordinal order so the order is total.
/// </summary>
/// <remarks>
/// Names are what a trainer controls and what every output row records, so the order is a property of the names
/// alone: not of file times, which copies, restores and network file systems do not keep.
/// </remarks>
public sealed class CheckpointVersionComparer : IComparer<string>
{
    /// <summary>The comparer the refresher uses.</summary>
    public static readonly CheckpointVersionComparer Instance = new();

    private CheckpointVersionComparer()
    {
    }

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var xs = i;
                var ys = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                var c = CompareNumbers(x.AsSpan(xs, i - xs), y.AsSpan(ys, j - ys));
                if (c != 0)
                {
                    return c;
                }
            }
            else
            {
                var c = x[i].CompareTo(y[j]);
                if (c != 0)
                {
                    return c;
                }

                i++;
                j++;
            }
        }

        var rest = (x.Length - i).CompareTo(y.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(x, y);
    }

    private static int CompareNumbers(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        // Arbitrarily long digit runs: drop leading zeros, then the longer number is the larger one.
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        var c = a.Length.CompareTo(b.Length);
        return c != 0 ? c : a.SequenceCompareTo(b);
    }
}
