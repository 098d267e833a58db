using System.Diagnostics;
using TokenClean.Core.Samples;
using TokenClean.Scoring.Selection;

namespace TokenClean.Bench;

/// <summary>
/// The streaming-quantile selection policy against exact global top-k over the same stream: agreement (share of the
/// exactly kept tokens the stream also keeps), kept ratio, the policy's tokens/s and the sketch's memory, on a
/// stationary stream and on one whose scores drift (where "top k of everything so far" and "top k of the whole
/// file" differ by design).
/// Usage: quantile [--samples 4000] [--keep 0.6] [--k 1024] [--warmup 65536]
/// </summary>
internal static class QuantileBench
{
    public static int Run(string[] args)
    {
        var samples = Option(args, "--samples", 4000);
        var keep = Option(args, "--keep", 60) / 100.0;
        var k = Option(args, "--k", 1024);
        var warmup = Option(args, "--warmup", 65536);
        foreach (var drift in new[] { 0.0, 0.0, 1.0 }) // the first run warms the JIT up
        {
            var stream = Stream(samples, drift, seed: 5);
            long candidates = 0;
            foreach (var s in stream)
            {
                foreach (var v in s.Influence)
                {
                    candidates += float.IsNaN(v) ? 0 : 1;
                }
            }

            var policy = StreamingQuantilePolicy.Create(keep, warmup, k);
            var streamed = new List<SelectedSample>(stream.Count);
            var sw = Stopwatch.StartNew();
            foreach (var s in stream)
            {
                policy.Add(s, streamed);
            }

            policy.Flush(streamed);
            var seconds = sw.Elapsed.TotalSeconds;
            var exact = new List<SelectedSample>(stream.Count);
            var global = WindowedSelectionPolicy.Global(keep);
            sw.Restart();
            foreach (var s in stream)
            {
                global.Add(s, exact);
            }

            global.Flush(exact);
            var exactSeconds = sw.Elapsed.TotalSeconds;
            long both = 0, exactKept = 0, streamKept = 0;
            for (var i = 0; i < stream.Count; i++)
            {
                for (var j = 0; j < exact[i].Labels.Length; j++)
                {
                    var e = exact[i].Labels[j] != TokenizedSample.IgnoreLabel;
                    var q = streamed[i].Labels[j] != TokenizedSample.IgnoreLabel;
                    exactKept += e ? 1 : 0;
                    streamKept += q ? 1 : 0;
                    both += e && q ? 1 : 0;
                }
            }

            Console.WriteLine(FormattableString.Invariant(
                $"{(drift == 0 ? "stationary" : $"drifting (+{drift} over the stream)")}: {stream.Count} samples, {candidates} candidate tokens, keep {keep}: agreement {both / (double)exactKept:F4} of exactly kept tokens (precision {both / (double)streamKept:F4}), stream kept {streamKept / (double)candidates:F4}; policy {candidates / seconds / 1e6:F1} M tokens/s, sketch {policy.Sketch.Retained} floats (k={k}); exact global top-k over the whole stream {candidates / exactSeconds / 1e6:F1} M tokens/s holding all {stream.Count} samples"));
        }

        return 0;
    }

    /// <summary>Samples of 200–400 tokens: a 20-token prompt (NaN), then a per-sample offset plus heavy-tailed noise, plus a linear drift.</summary>
    private static List<ScoredSample> Stream(int samples, double drift, int seed)
    {
        var rng = new Random(seed);
        var list = new List<ScoredSample>(samples);
        for (var i = 0; i < samples; i++)
        {
            var length = rng.Next(200, 401);
            var ids = new int[length];
            var labels = new int[length];
            var influence = new float[length];
            var offset = (Normal(rng) * 0.5) + (drift * i / samples);
            for (var j = 0; j < length; j++)
            {
                ids[j] = 3 + (j % 97);
                labels[j] = j >= 20 ? ids[j] : TokenizedSample.IgnoreLabel;
                var noise = Normal(rng);
                influence[j] = j >= 20 ? (float)(offset + (rng.NextDouble() < 0.05 ? 4 * noise : noise)) : float.NaN;
            }

            list.Add(new ScoredSample(new TokenizedSample("s" + i, ids, labels), new float[length], new float[length], influence));
        }

        return list;
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
