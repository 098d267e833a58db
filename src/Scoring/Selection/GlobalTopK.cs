using System.Buffers;

namespace TokenClean.Scoring.Selection;

/// <summary>
/// The selection rule itself: keep the top k of candidate tokens ranked globally over a group of samples.
/// </summary>
/// <remarks>
/// <para>Candidates are the positions whose influence is not NaN (the scorer writes NaN for prompt tokens and
/// position 0, so those are never kept; a NaN produced by a model at a response position is never kept either).</para>
/// <para>The number kept is <c>int(keepRatio × candidates)</c> computed in IEEE double and truncated, exactly as the
/// paper's Python code does it.</para>
/// <para>Ranking: descending influence; ties are broken by (sample index in the group, position), earliest first, so
/// the result is deterministic and independent of the sort's stability.</para>
/// <para>Cost: one copy of the candidate influences into a pooled float buffer, a quickselect of the threshold in it
/// (O(n) expected; it falls back to a sort of the remaining range, O(n log n), when partitioning degenerates), and
/// linear passes to count and mark. No per-token objects.</para>
/// </remarks>
public static class GlobalTopK
{
    /// <summary>Number of tokens kept out of <paramref name="candidates"/>: int(keepRatio × candidates).</summary>
    public static int KeepCount(double keepRatio, int candidates)
    {
        CheckKeepRatio(keepRatio);
        return (int)Math.Floor(keepRatio * candidates);
    }

    /// <summary>Selects over a group of samples.</summary>
    /// <param name="influence">Per-sample influence arrays; NaN = not a candidate.</param>
    /// <param name="keepRatio">Fraction of candidates to keep, in [0, 1].</param>
    /// <param name="keep">Per-sample output arrays of the same lengths; set to true where kept, false elsewhere.</param>
    public static TopKResult Select(IReadOnlyList<float[]> influence, double keepRatio, IReadOnlyList<bool[]> keep)
    {
        ArgumentNullException.ThrowIfNull(influence);
        ArgumentNullException.ThrowIfNull(keep);
        CheckKeepRatio(keepRatio);
        if (keep.Count != influence.Count)
        {
            throw new ArgumentException("one keep array per influence array is required", nameof(keep));
        }

        var candidates = 0;
        for (var i = 0; i < influence.Count; i++)
        {
            var row = influence[i];
            if (keep[i].Length != row.Length)
            {
                throw new ArgumentException($"keep array {i} has length {keep[i].Length}, influence has {row.Length}", nameof(keep));
            }

            for (var j = 0; j < row.Length; j++)
            {
                if (!float.IsNaN(row[j]))
                {
                    candidates++;
                }
            }
        }

        var k = KeepCount(keepRatio, candidates);
        if (k == 0)
        {
            for (var i = 0; i < keep.Count; i++)
            {
                Array.Clear(keep[i]);
            }

            return new TopKResult(candidates, 0, float.NaN);
        }

        var buffer = ArrayPool<float>.Shared.Rent(candidates);
        float threshold;
        int ties;
        try
        {
            var n = 0;
            for (var i = 0; i < influence.Count; i++)
            {
                foreach (var v in influence[i])
                {
                    if (!float.IsNaN(v))
                    {
                        buffer[n++] = v;
                    }
                }
            }

            var values = buffer.AsSpan(0, n);
            threshold = NthSmallest(values, n - k);

            // Everything above the threshold is kept; of the values equal to it, only as many as still fit, in
            // (sample, position) order.
            var above = 0;
            foreach (var v in values)
            {
                if (v > threshold)
                {
                    above++;
                }
            }

            ties = k - above;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        for (var i = 0; i < influence.Count; i++)
        {
            var row = influence[i];
            var mark = keep[i];
            for (var j = 0; j < row.Length; j++)
            {
                var v = row[j];
                if (v > threshold)
                {
                    mark[j] = true;
                }
                else if (v == threshold && ties > 0)
                {
                    mark[j] = true;
                    ties--;
                }
                else
                {
                    mark[j] = false;
                }
            }
        }

        return new TopKResult(candidates, k, threshold);
    }

    /// <summary>
    /// The value that would be at index <paramref name="index"/> if <paramref name="values"/> were sorted ascending
    /// (Hoare's selection with a median-of-three pivot). Reorders <paramref name="values"/>; they must not be NaN.
    /// </summary>
    public static float NthSmallest(Span<float> values, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, values.Length);
        var lo = 0;
        var hi = values.Length - 1;
        var budget = 2 * (System.Numerics.BitOperations.Log2((uint)values.Length) + 1);
        while (hi > lo)
        {
            if (budget-- == 0)
            {
                // Adversarial or unlucky input: finish with a sort so the worst case stays O(n log n).
                values[lo..(hi + 1)].Sort();
                return values[index];
            }

            var mid = lo + ((hi - lo) / 2);
            var pivot = MedianOfThree(values[lo], values[mid], values[hi]);
            var i = lo;
            var j = hi;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            // Now values[lo..j] <= pivot <= values[i..hi], and everything strictly between j and i equals the pivot.
            if (index <= j)
            {
                hi = j;
            }
            else if (index >= i)
            {
                lo = i;
            }
            else
            {
                return values[index];
            }
        }

        return values[index];
    }

    private static float MedianOfThree(float a, float b, float c) =>
        a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));

    private static void CheckKeepRatio(double keepRatio)
    {
        if (!(keepRatio >= 0 && keepRatio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(keepRatio), keepRatio, "the keep ratio must be in [0, 1]");
        }
    }
}
