using TokenClean.Core.Samples;
using TokenClean.Evidence.World;

namespace TokenClean.Cli.Bench;

/// <summary>The random-k baseline: exactly round(k·N) of the pool's N learnable response tokens, drawn uniformly (seeded).</summary>
internal static class RandomMask
{
    public static Func<WorldSample, int[]> Create(IReadOnlyList<WorldSample> pool, double keep, long seed)
    {
        var positions = new List<(int Sample, int Position)>();
        for (var i = 0; i < pool.Count; i++)
        {
            for (var j = 1; j < pool[i].Kinds.Length; j++)
            {
                if (pool[i].Kinds[j] != TokenKind.Prompt)
                {
                    positions.Add((i, j));
                }
            }
        }

        var rng = new Random(unchecked((int)(seed * 7919)));
        var order = positions.ToArray();
        rng.Shuffle(order);
        var kept = order.Take((int)Math.Round(keep * order.Length)).ToHashSet();
        var byId = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (var i = 0; i < pool.Count; i++)
        {
            var labels = Enumerable.Repeat(TokenizedSample.IgnoreLabel, pool[i].InputIds.Length).ToArray();
            for (var j = 1; j < labels.Length; j++)
            {
                if (kept.Contains((i, j)))
                {
                    labels[j] = pool[i].InputIds[j];
                }
            }

            byId[pool[i].Id] = labels;
        }

        return s => byId[s.Id];
    }
}
