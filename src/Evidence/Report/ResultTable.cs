using System.Globalization;
using System.Text;

namespace TokenClean.Evidence.Report;

/// <summary>
/// The benchmark's runs aggregated over seeds (mean ± sample standard deviation) per noise rate, keep ratio and
/// method; written as CSV and as a Markdown table with the ordering against full training stated only where the
/// mean ± std intervals do not overlap.
/// </summary>
public sealed class ResultTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public ResultTable(IReadOnlyList<MethodRun> runs, IReadOnlyList<string> methodOrder)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(methodOrder);
        Runs = runs;
        Rows = runs
            .GroupBy(r => (r.NoiseRate, Keep: double.IsNaN(r.Keep) ? -1 : r.Keep, r.Method))
            .Select(g => new Row(
                g.Key.NoiseRate,
                g.First().Keep,
                g.Key.Method,
                g.Count(),
                Stat.Of(g.Select(r => r.Score.Accuracy)),
                Stat.Of(g.Select(r => r.Score.AnswerLoss)),
                Stat.Of(g.Select(r => r.Score.AnswerAccuracy)),
                Stat.Of(g.Select(r => r.Mask?.Precision ?? double.NaN)),
                Stat.Of(g.Select(r => r.Mask?.KeepRatio ?? double.NaN)),
                Stat.Of(g.Select(r => r.Mask?.NoiseDropped ?? double.NaN)),
                Stat.Of(g.Select(r => r.Mask?.BoilerplateDropped ?? double.NaN)),
                Stat.Of(g.Select(r => r.Seconds))))
            .OrderBy(r => r.NoiseRate)
            .ThenBy(r => double.IsNaN(r.Keep) ? -1 : r.Keep)
            .ThenBy(r => IndexOf(methodOrder, r.Method))
            .ToList();
    }

    public IReadOnlyList<MethodRun> Runs { get; }

    public IReadOnlyList<Row> Rows { get; }

    /// <summary>
    /// "above", "below" or "overlap": where <paramref name="row"/>'s accuracy interval (mean ± std) lies against full
    /// training's at the same noise rate; "n/a" with fewer than two seeds or no full run.
    /// </summary>
    public string AgainstFull(Row row) => AgainstFull(row, r => r.Accuracy);

    /// <summary>As <see cref="AgainstFull(Row)"/> for the measure <paramref name="of"/> picks.</summary>
    public string AgainstFull(Row row, Func<Row, Stat> of)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(of);
        var full = Rows.FirstOrDefault(r => r.Method == "full" && r.NoiseRate == row.NoiseRate);
        if (full is null || row.Seeds < 2 || full.Seeds < 2 || row.Method == "full")
        {
            return "n/a";
        }

        Stat a = of(row), b = of(full);
        if (a.Mean - a.Std > b.Mean + b.Std)
        {
            return "above";
        }

        return a.Mean + a.Std < b.Mean - b.Std ? "below" : "overlap";
    }

    /// <summary>Every run, one line each.</summary>
    public void WriteRunsCsv(string path)
    {
        var csv = new StringBuilder("seed,noise_rate,keep,method,accuracy,answer_loss,answer_accuracy,precision,keep_ratio,informative_kept,noise_dropped,boilerplate_dropped,seconds\n");
        foreach (var r in Runs)
        {
            csv.AppendLine(string.Join(',',
                r.Seed.ToString(Inv), F(r.NoiseRate), F(r.Keep), r.Method, F(r.Score.Accuracy), F(r.Score.AnswerLoss), F(r.Score.AnswerAccuracy),
                F(r.Mask?.Precision), F(r.Mask?.KeepRatio), F(r.Mask?.InformativeKept), F(r.Mask?.NoiseDropped), F(r.Mask?.BoilerplateDropped), F(r.Seconds)));
        }

        File.WriteAllText(path, csv.ToString());
    }

    /// <summary>The aggregated table, one line per (noise rate, keep, method).</summary>
    public void WriteSummaryCsv(string path)
    {
        var csv = new StringBuilder("noise_rate,keep,method,seeds,accuracy_mean,accuracy_std,answer_loss_mean,answer_loss_std,answer_accuracy_mean,answer_accuracy_std,precision_mean,precision_std,keep_ratio_mean,noise_dropped_mean,noise_dropped_std,boilerplate_dropped_mean,boilerplate_dropped_std,vs_full,vs_full_answer_accuracy\n");
        foreach (var r in Rows)
        {
            csv.AppendLine(string.Join(',',
                F(r.NoiseRate), F(r.Keep), r.Method, r.Seeds.ToString(Inv), F(r.Accuracy.Mean), F(r.Accuracy.Std), F(r.Loss.Mean), F(r.Loss.Std), F(r.AnswerAccuracy.Mean), F(r.AnswerAccuracy.Std),
                F(r.Precision.Mean), F(r.Precision.Std), F(r.KeepRatio.Mean), F(r.NoiseDropped.Mean), F(r.NoiseDropped.Std),
                F(r.BoilerplateDropped.Mean), F(r.BoilerplateDropped.Std), AgainstFull(r), AgainstFull(r, x => x.AnswerAccuracy)));
        }

        File.WriteAllText(path, csv.ToString());
    }

    /// <summary>The aggregated table as Markdown (what the terminal shows and docs/EVIDENCE.md quotes).</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("| noise | keep | method | seeds | accuracy (greedy) | answer accuracy (forced) | answer loss | precision | kept | noise dropped | boilerplate dropped | vs full (greedy / forced) |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in Rows)
        {
            md.AppendLine(string.Create(Inv,
                $"| {(double.IsNaN(r.NoiseRate) ? "–" : r.NoiseRate.ToString("0.0#", Inv))} | {(double.IsNaN(r.Keep) ? "–" : r.Keep.ToString("0.0#", Inv))} | {r.Method} | {r.Seeds} | {PM(r.Accuracy, "0.000")} | {PM(r.AnswerAccuracy, "0.000")} | {PM(r.Loss, "0.000")} | {PM(r.Precision, "0.00")} | {Mean(r.KeepRatio, "0.00")} | {PM(r.NoiseDropped, "0.00")} | {PM(r.BoilerplateDropped, "0.00")} | {AgainstFull(r)} / {AgainstFull(r, x => x.AnswerAccuracy)} |"));
        }

        return md.ToString();
    }

    private static int IndexOf(IReadOnlyList<string> order, string method)
    {
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i] == method)
            {
                return i;
            }
        }

        return order.Count;
    }

    private static string PM(Stat s, string format) => double.IsNaN(s.Mean) ? "–"
        : double.IsNaN(s.Std) ? s.Mean.ToString(format, Inv)
        : $"{s.Mean.ToString(format, Inv)} ± {s.Std.ToString(format, Inv)}";

    private static string Mean(Stat s, string format) => double.IsNaN(s.Mean) ? "–" : s.Mean.ToString(format, Inv);

    private static string F(double? v) => v is null || double.IsNaN(v.Value) ? "" : v.Value.ToString("G6", Inv);

    /// <summary>One aggregated line.</summary>
    public sealed record Row(double NoiseRate, double Keep, string Method, int Seeds, Stat Accuracy, Stat Loss, Stat AnswerAccuracy, Stat Precision, Stat KeepRatio, Stat NoiseDropped, Stat BoilerplateDropped, Stat Seconds);

    /// <summary>Mean and sample standard deviation (NaN with fewer than two values) of the non-NaN values.</summary>
    public readonly record struct Stat(double Mean, double Std)
    {
        public static Stat Of(IEnumerable<double> values)
        {
            var v = values.Where(x => !double.IsNaN(x)).ToList();
            if (v.Count == 0)
            {
                return new Stat(double.NaN, double.NaN);
            }

            var mean = v.Average();
            var std = v.Count < 2 ? double.NaN : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
            return new Stat(mean, std);
        }
    }
}
