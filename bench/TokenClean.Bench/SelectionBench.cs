using System.Diagnostics;
using System.Globalization;
using TokenClean.Scoring.Selection;

namespace TokenClean.Bench;

/// <summary>
/// Global top-k selection over a window: tokens per second and bytes allocated, against a LINQ rank over per-token
/// tuples (the obvious way to write it, which the selection code avoids).
/// </summary>
internal static class SelectionBench
{
    public static int Run(string[] args)
    {
        var samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var length = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 512;
        var rng = new Random(3);
        var influence = new float[samples][];
        var keep = new bool[samples][];
        for (var i = 0; i < samples; i++)
        {
            influence[i] = new float[length];
            keep[i] = new bool[length];
            for (var j = 0; j < length; j++)
            {
                // 40% prompt (NaN), the rest a spread of influences with some exact ties.
                influence[i][j] = j < length * 2 / 5 ? float.NaN : MathF.Round((float)(rng.NextDouble() * 8 - 4), 3);
            }
        }

        GlobalTopK.Select(influence, 0.6, keep); // warm-up
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var reps = 0;
        TopKResult result = default;
        while (sw.Elapsed < TimeSpan.FromSeconds(3))
        {
            result = GlobalTopK.Select(influence, 0.6, keep);
            reps++;
        }

        var seconds = sw.Elapsed.TotalSeconds / reps;
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / reps;
        var tokens = (double)samples * length;
        Console.WriteLine(FormattableString.Invariant(
            $"selection global top-k: {samples} samples x {length} tokens ({result.Candidates} candidates, kept {result.Kept}): {seconds * 1e3:F1} ms, {tokens / seconds / 1e6:F1} M tokens/s, {bytes} bytes allocated per run"));

        sw.Restart();
        var linq = influence
            .SelectMany((row, i) => row.Select((v, j) => (V: v, I: i, J: j)))
            .Where(t => !float.IsNaN(t.V))
            .OrderByDescending(t => t.V).ThenBy(t => t.I).ThenBy(t => t.J)
            .Take(result.Kept)
            .ToList();
        var linqSeconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"peer (LINQ over per-token tuples): {linqSeconds * 1e3:F1} ms, {tokens / linqSeconds / 1e6:F1} M tokens/s; ratio {linqSeconds / seconds:F1}x (kept {linq.Count})"));
        return 0;
    }
}
