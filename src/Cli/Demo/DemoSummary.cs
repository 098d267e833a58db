using System.Globalization;
using System.Text.Json;
using TokenClean.Service.Inspection;
using TokenClean.Service.Pipeline;

namespace TokenClean.Cli;

/// <summary>
/// The demo's closing report for a person: what went in, what came out and where, how to load it, the ground truth's
/// verdict (when the world has one) and a few samples printed token by token with the inspector's renderer.
/// </summary>
internal sealed class DemoSummary(IDemoWorld world, int produced, string lake, TextWriter stdout)
{
    /// <summary>Samples printed token by token (the highest- and lowest-scoring rows).</summary>
    public const int SamplesShown = 3;

    public void Print(PipelineStatusSnapshot final, PipelineStatusSnapshot running, TimeSpan took)
    {
        var inspector = new LakeInspector(lake);
        var files = inspector.Files();
        var (rows, response, kept) = inspector.Totals();
        var w = stdout;
        w.WriteLine();
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done in {took.TotalSeconds:F1} s"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  samples in       {produced} produced to the embedded Kafka topic"));
        w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  out              {final.Written} rows written to the lake, {final.DeadLettered} dead-lettered{DeadLetterReasons()}"));
        w.WriteLine(response > 0
            ? string.Create(CultureInfo.InvariantCulture, $"  keep ratio       {(double)kept / response:P1}: {kept:N0} of {response:N0} response tokens kept for training (the rest get label -100)")
            : "  keep ratio       no response tokens were scored");
        foreach (var line in world.GroundTruthSummary(inspector))
        {
            w.WriteLine("  " + line);
        }

        foreach (var p in running.Partitions.OrderBy(p => p.Partition))
        {
            w.WriteLine($"  partition {p.Partition}      committed offset {p.CommittedOffset?.ToString(CultureInfo.InvariantCulture) ?? "none"} (only offsets whose rows are durable)");
        }

        w.WriteLine($"  lake files       {files.Count} file(s), {rows} rows, under {inspector.Root} (per-token base_loss/ref_loss included)");
        foreach (var file in files)
        {
            w.WriteLine($"                     {file.File}");
        }

        var glob = Path.Combine(inspector.Root, "**", "*.arrow");
        w.WriteLine("  load them        python3 -c \"import datasets, glob; ds = datasets.concatenate_datasets(" +
            $"[datasets.Dataset.from_file(f) for f in sorted(glob.glob('{glob}', recursive=True))]); print(ds)\"");
        w.WriteLine($"  inspect          ./tokenclean inspect --lake {lake} [--id SAMPLE_ID]");
        if (files.Count == 0)
        {
            return;
        }

        var extremes = inspector.Extremes(null, count: 2);
        var shown = new List<SampleSummary>();
        foreach (var s in extremes.Highest.Take(2).Concat(extremes.Lowest.Take(1)))
        {
            if (!shown.Any(x => x.File == s.File && x.Row == s.Row))
            {
                shown.Add(s);
            }
        }

        var color = TerminalRenderer.UseColor(ReferenceEquals(stdout, Console.Out) ? Console.IsOutputRedirected : true);
        w.WriteLine();
        w.WriteLine($"{shown.Count} samples, highest and lowest mean influence first (kept tokens are what a trainer learns from):");
        foreach (var s in shown.Take(SamplesShown))
        {
            w.WriteLine();
            TerminalRenderer.Write(w, inspector.Sample(s.File, s.Row), color);
        }
    }

    private string DeadLetterReasons()
    {
        var files = Directory.Exists(lake) ? Directory.GetFiles(lake, "*.jsonl", SearchOption.AllDirectories) : [];
        var reasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in files.SelectMany(File.ReadLines))
        {
            using var doc = JsonDocument.Parse(line);
            var reason = doc.RootElement.TryGetProperty("reason", out var r) ? r.GetString() ?? "?" : "?";
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }

        return reasons.Count == 0 ? "" : " (" + string.Join(", ", reasons.Select(r => $"{r.Value} {r.Key}")) + $"; in {string.Join(", ", files.Select(f => Path.GetRelativePath(lake, f)))})";
    }
}
