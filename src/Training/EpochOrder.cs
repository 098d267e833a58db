namespace TokenClean.Training;

/// <summary>The order samples are visited in during one epoch: a Fisher–Yates shuffle seeded by (seed, epoch).</summary>
public static class EpochOrder
{
    /// <summary>
    /// A permutation of 0..<paramref name="count"/>-1 that depends only on <paramref name="seed"/> and
    /// <paramref name="epoch"/>: a resumed run recomputes the same order and continues at its saved position.
    /// </summary>
    public static int[] For(long seed, int epoch, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        var rng = new SeededRandom(seed, 0x5EED0000UL + (ulong)epoch);
        for (var i = count - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }
}
