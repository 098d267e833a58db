using System.CommandLine;
using System.Globalization;
using TokenClean.Cli.Bench;
using TokenClean.Evidence.Report;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean bench synthetic</c>: the ground-truth benchmark (docs/EVIDENCE.md). Trains every method on a
/// synthetic world whose tokens are known to be informative, boilerplate or noise, through the product's own
/// commands, and reports held-out accuracy, answer loss and mask quality as a table, CSV files and a PNG plot.
/// </summary>
internal static class BenchCommand
{
    private const string Marker = ".tokenclean-bench";

    public static Command Create()
    {
        var quick = new Option<bool>("--quick") { Description = "One seed, one setting (noise 0.3, keep 0.6): under 10 minutes on two cores." };
        var seeds = new Option<int?>("--seeds") { Description = "Number of seeds (1, 2, ... N); default 3 (1 with --quick)." };
        var output = new Option<string>("--out") { Description = "Where the table (results.md), the CSV files, the plot and the work files go.", DefaultValueFactory = _ => "bench-out" };
        var calibrate = new Option<bool>("--calibrate") { Description = "Only pre-train θ0 and fine-tune the reference (seed 1) and measure them: checks the world is learnable without looking at any method." };
        var refLr = new Option<double?>("--ref-lr") { Description = "Calibration: the reference's learning rate instead of the fixed one." };
        var refEpochs = new Option<int?>("--ref-epochs") { Description = "Calibration: the reference's epochs over the warm-up set instead of the fixed number." };
        var synthetic = new Command("synthetic", "Ground-truth benchmark: full vs random vs per-sample vs fixed-model vs self-evolving cleaning vs the oracle mask on a synthetic world.")
        {
            quick, seeds, output, calibrate, refLr, refEpochs,
        };
        synthetic.SetAction((parse, ct) =>
        {
            var settings = new SyntheticBenchSettings();
            if (parse.GetValue(quick))
            {
                settings = settings.Quick();
            }

            if (parse.GetValue(calibrate))
            {
                settings = settings.Quick() with { NoiseRates = [] };
            }

            if (parse.GetValue(refLr) is { } lr)
            {
                settings = settings with { Reference = settings.Reference with { LearningRate = lr } };
            }

            if (parse.GetValue(refEpochs) is { } epochs)
            {
                settings = settings with { Reference = settings.Reference with { Epochs = epochs } };
            }

            if (parse.GetValue(seeds) is { } n)
            {
                if (n < 1)
                {
                    parse.InvocationConfiguration.Error.WriteLine("error: --seeds must be at least 1");
                    return Task.FromResult(2);
                }

                settings = settings with { Seeds = Enumerable.Range(1, n).Select(i => (long)i).ToList() };
            }

            return Task.FromResult(Run(settings, parse.GetValue(output)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        });
        return new Command("bench", "Benchmarks that show what cleaning does.") { synthetic };
    }

    /// <summary>Runs the benchmark into <paramref name="outDir"/> and writes the report; returns the exit code.</summary>
    public static int Run(SyntheticBenchSettings settings, string outDir, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var work = Path.Combine(Path.GetFullPath(outDir), "work");
        if (Directory.Exists(work))
        {
            if (!File.Exists(Path.Combine(work, Marker)))
            {
                stderr.WriteLine($"error: {work} exists and was not made by tokenclean bench; choose another --out");
                return 2;
            }

            Directory.Delete(work, recursive: true);
        }

        Directory.CreateDirectory(work);
        File.WriteAllText(Path.Combine(work, Marker), "");
        var s = settings;
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench synthetic: seeds {string.Join(',', s.Seeds)}, noise rates {string.Join(',', s.NoiseRates)}, keep ratios {string.Join(',', s.KeepRatios)}; pool {s.World.PoolSize}, warm-up {s.World.WarmupSize}, held-out {s.World.EvalSize}; work files in {work}"));
        var bench = new SyntheticBench(settings, work, stderr);
        IReadOnlyList<MethodRun> runs;
        try
        {
            runs = bench.Run(ct);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("interrupted");
            return 130;
        }

        var table = new ResultTable(runs, SyntheticBench.Methods);
        var full = Path.GetFullPath(outDir);
        table.WriteRunsCsv(Path.Combine(full, "runs.csv"));
        table.WriteSummaryCsv(Path.Combine(full, "summary.csv"));
        var markdown = table.ToMarkdown();
        var note = bench.EvolveUnavailable is { } why ? $"\nNote: {why}.\n" : "";
        File.WriteAllText(Path.Combine(full, "results.md"), markdown + note);
        AccuracyPlot.Write(Path.Combine(full, "accuracy-vs-noise.png"), table, SyntheticBench.Methods);
        stdout.Write(markdown);
        stdout.Write(note);
        stdout.WriteLine($"written: {Path.Combine(full, "results.md")}, runs.csv, summary.csv, accuracy-vs-noise.png");
        return 0;
    }
}
