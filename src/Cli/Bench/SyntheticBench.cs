using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using TokenClean.Core.Progress;
using TokenClean.Core.Samples;
using TokenClean.Embedded.Models;
using TokenClean.Evidence.Metrics;
using TokenClean.Evidence.Report;
using TokenClean.Evidence.World;
using TokenClean.Scoring.Models;
using TokenClean.Training.Data;

namespace TokenClean.Cli.Bench;

/// <summary>
/// <c>tokenclean bench synthetic</c>: for each seed, builds a <see cref="SyntheticWorld"/>, pre-trains θ0 on its
/// generic corpus, fine-tunes the reference on its warm-up set, and for each noise rate and keep ratio trains θ0 on
/// the pool under each method's mask with the same budget, then measures every model on held-out clean samples.
/// </summary>
/// <remarks>
/// Every cleaning and training goes through the product's own commands (<c>train</c>, <c>clean</c>, <c>evolve</c>),
/// invoked in this process through the same command tree the <c>tokenclean</c> program parses; only the baselines
/// that are not product features (random k, the oracle) write their masks here. The ground truth is kept in side
/// files the commands never see.
/// </remarks>
internal sealed class SyntheticBench
{
    /// <summary>Methods in report order.</summary>
    public static readonly IReadOnlyList<string> Methods = ["base", "reference", "full", "random", "per-sample", "fixed-model", "self-evolving", "oracle"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly SyntheticBenchSettings _settings;
    private readonly string _work;
    private readonly TextWriter _progress;
    private readonly SelfEvolvingCleaning _evolve;
    private readonly Stopwatch _clock = new();
    private readonly List<MethodRun> _runs = [];
    private int _done;
    private int _total;
    private TerminalProgress? _bar;

    public SyntheticBench(SyntheticBenchSettings settings, string workDirectory, TextWriter progress)
    {
        _settings = settings;
        _work = workDirectory;
        _progress = progress;
        // Each evolve round fine-tunes the reference on its cleaned chunk with the methods' recipe, whole epochs of the chunk.
        _evolve = new SelfEvolvingCleaning(
            InProcessCommand.Run,
            () => CommandLine.Build().Subcommands.Any(c => c.Name == "evolve"),
            settings.Sft.EpochFlags);
    }

    /// <summary>Why the self-evolving method is left out, or null.</summary>
    public string? EvolveUnavailable => _evolve.Unavailable;

    /// <summary>Runs the whole sweep and returns every measured model.</summary>
    public IReadOnlyList<MethodRun> Run(CancellationToken ct)
    {
        var s = _settings;
        var perKeep = EvolveUnavailable is null ? 4 : 3;
        _total = s.Seeds.Count * (2 + (s.NoiseRates.Count * (2 + (s.KeepRatios.Count * perKeep))));
        _clock.Start();

        // On a terminal a bar (models done, rate, ETA) stays under the per-model lines; in a log the lines, which
        // carry their own count and ETA, are the progress.
        _bar = ReferenceEquals(_progress, Console.Error) && TerminalProgress.IsTerminal()
            ? new TerminalProgress("bench synthetic", _total, new TerminalProgressOptions { Unit = "models", Output = _progress })
            : null;

        // The world's models are tiny: one intra-op thread beats two, whose per-op barrier waits dominate (and on a
        // shared machine a descheduled second thread stalls every op). Every command below runs in this process.
        var threads = Scoring.Torch.NumThreads;
        Scoring.Torch.NumThreads = 1;
        try
        {
            if (EvolveUnavailable is { } why)
            {
                _progress.WriteLine($"bench: note: {why}");
            }

            foreach (var seed in s.Seeds)
            {
                RunSeed(seed, ct);
            }

            _bar?.Finish();
            return _runs;
        }
        finally
        {
            Scoring.Torch.NumThreads = threads;
        }
    }

    private void RunSeed(long seed, CancellationToken ct)
    {
        var s = _settings;
        var world = new SyntheticWorld(s.World with { Seed = seed });
        var dir = Directory.CreateDirectory(Path.Combine(_work, $"seed-{seed}")).FullName;
        var heldOut = world.Evaluation();
        var corpus = Path.Combine(dir, "corpus.jsonl");
        var warmup = Path.Combine(dir, "warmup.jsonl");
        WorldFiles.WriteSamples(corpus, world.Corpus());
        WorldFiles.WriteSamples(warmup, world.Warmup());

        // θ0: random weights (what `create-checkpoint` writes), pre-trained on the generic corpus with `train`.
        var init = Path.Combine(dir, "init");
        var m = s.Model;
        RandomCheckpoint.Create(new CheckpointRecipe { Variant = "llama", Hidden = m.Hidden, Layers = m.Layers, Heads = m.Heads, KvHeads = m.KvHeads, Intermediate = m.Intermediate, Vocab = s.World.VocabSize, MaxPositions = 64, Seed = seed }, init);
        var theta0 = Path.Combine(dir, "theta0");
        Measure(seed, double.NaN, double.NaN, "base", world, heldOut, null, () =>
            Train(init, corpus, theta0, s.Pretrain, seed, s.Pretrain.Steps(s.World.CorpusSize)));
        var reference = Path.Combine(dir, "reference");
        Measure(seed, double.NaN, double.NaN, "reference", world, heldOut, null, () =>
            Train(theta0, warmup, reference, s.Reference, seed, s.Reference.Steps(s.World.WarmupSize)));

        var steps = s.Sft.Steps(s.World.PoolSize);
        foreach (var noise in s.NoiseRates)
        {
            ct.ThrowIfCancellationRequested();
            var tag = $"noise-{noise.ToString("0.0#", Inv)}";
            var pool = world.Pool(noise);
            var truthPath = Path.Combine(dir, $"{tag}.truth.jsonl");
            WorldFiles.WriteTruth(truthPath, pool);
            var truth = WorldFiles.ReadTruth(truthPath); // the bench reads back what it wrote: one path for the bookkeeping
            var poolPath = Path.Combine(dir, $"{tag}.pool.jsonl");
            WorldFiles.WriteSamples(poolPath, pool);

            Measure(seed, noise, double.NaN, "full", world, heldOut, truth, () => TrainOn(poolPath, Path.Combine(dir, $"{tag}.full"), seed, steps, truth));
            var oraclePath = Path.Combine(dir, $"{tag}.oracle.jsonl");
            WorldFiles.WriteSamples(oraclePath, pool, OracleMask.Keep);
            Measure(seed, noise, double.NaN, "oracle", world, heldOut, truth, () => TrainOn(oraclePath, Path.Combine(dir, $"{tag}.oracle"), seed, steps, truth));

            foreach (var keep in s.KeepRatios)
            {
                ct.ThrowIfCancellationRequested();
                var k = $"{tag}.keep-{keep.ToString("0.0#", Inv)}";
                var randomPath = Path.Combine(dir, $"{k}.random.jsonl");
                WorldFiles.WriteSamples(randomPath, pool, RandomMask.Create(pool, keep, seed));
                Measure(seed, noise, keep, "random", world, heldOut, truth, () => TrainOn(randomPath, Path.Combine(dir, $"{k}.random"), seed, steps, truth));

                foreach (var (method, selection) in new[] { ("per-sample", "per-sample"), ("fixed-model", "global") })
                {
                    Measure(seed, noise, keep, method, world, heldOut, truth, () =>
                    {
                        var cleanDir = Path.Combine(dir, $"{k}.{method}.cleaned");
                        InProcessCommand.Run(["clean", "--input", poolPath, "--base", theta0, "--ref", reference, "--out", cleanDir, "--keep", keep.ToString("R", Inv), "--selection", selection, "--format", "arrow"]);
                        return TrainOn(Path.Combine(cleanDir, Path.GetFileNameWithoutExtension(poolPath) + ".arrow"), Path.Combine(dir, $"{k}.{method}"), seed, steps, truth);
                    });
                }

                if (EvolveUnavailable is null)
                {
                    Measure(seed, noise, keep, "self-evolving", world, heldOut, truth, () =>
                    {
                        var cleaned = _evolve.Clean(poolPath, theta0, reference, keep, s.EvolveChunks, Path.Combine(dir, $"{k}.evolve"), seed);
                        return TrainOn(cleaned, Path.Combine(dir, $"{k}.self-evolving"), seed, steps, truth);
                    });
                }
            }
        }
    }

    /// <summary>Trains θ0 on <paramref name="data"/> with the SFT recipe and measures the mask it trained under.</summary>
    private (string Model, MaskQuality? Mask) TrainOn(string data, string outDir, long seed, int steps, IReadOnlyDictionary<string, TokenKind[]> truth)
    {
        var masks = TrainingDataReader.Read(data, null, null, int.MaxValue).Samples.ToDictionary(x => x.Id, x => x.Labels, StringComparer.Ordinal);
        var quality = MaskQuality.Measure(truth, masks);
        var theta0 = Path.Combine(Path.GetDirectoryName(outDir)!, "theta0");
        Train(theta0, data, outDir, _settings.Sft, seed, steps);
        return (outDir, quality);
    }

    private (string Model, MaskQuality? Mask) Train(string baseDir, string data, string outDir, SyntheticBenchSettings.TrainRecipe recipe, long seed, int steps)
    {
        InProcessCommand.Run(["train", "--base", baseDir, "--data", data, "--out", outDir, .. recipe.Flags(seed, steps)]);
        return (outDir, null);
    }

    private void Measure(long seed, double noise, double keep, string method, SyntheticWorld world, IReadOnlyList<WorldSample> heldOut, IReadOnlyDictionary<string, TokenKind[]>? truth, Func<(string Model, MaskQuality? Mask)> produce)
    {
        _ = truth;
        var clock = Stopwatch.StartNew();
        var (modelDir, mask) = produce();
        TaskScore score;
        using (var model = CausalLm.Load(modelDir))
        {
            score = TaskScore.Measure(model, world, heldOut);
        }

        var run = new MethodRun(seed, noise, keep, method, score, mask, clock.Elapsed.TotalSeconds);
        File.AppendAllLines(Path.Combine(_work, "decodes.txt"), [$"seed {seed} noise {noise} keep {keep} {method}:", .. score.Examples.Select(e => "  " + e)]);
        _runs.Add(run);
        _done++;
        var elapsed = _clock.Elapsed;
        var eta = TimeSpan.FromSeconds(elapsed.TotalSeconds / _done * (_total - _done));
        var setting = double.IsNaN(noise) ? "" : $" noise {noise:0.0#}" + (double.IsNaN(keep) ? "" : $" keep {keep:0.0#}");
        var maskText = mask is null ? "" : string.Create(Inv, $" precision {mask.Precision:0.00} kept {mask.KeepRatio:0.00} noise-dropped {mask.NoiseDropped:0.00} boilerplate-dropped {mask.BoilerplateDropped:0.00}");
        var line = string.Create(Inv,
            $"[{_done}/{_total} {elapsed:hh\\:mm\\:ss} eta {eta:hh\\:mm\\:ss}] seed {seed}{setting} {method}: accuracy {score.Accuracy:0.000} answer-accuracy {score.AnswerAccuracy:0.000} answer-loss {score.AnswerLoss:0.000}{maskText} ({run.Seconds:0.0} s)");
        if (_bar is null)
        {
            _progress.WriteLine(line);
        }
        else
        {
            _bar.WriteLine(line);
            _bar.Update(_done, $"seed {seed}{setting} {method}");
        }
    }
}
