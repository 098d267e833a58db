using System.Globalization;
using System.Text.Json;
using TokenClean.Cli.Bench;
using TokenClean.Embedded.Models;
using TokenClean.Evidence.Metrics;
using TokenClean.Evidence.World;
using TokenClean.Service.Inspection;
using TokenClean.Training.Checkpoints;

namespace TokenClean.Cli;

/// <summary>
/// The demo's default world: the ground-truth world of <c>tokenclean bench synthetic</c> (docs/EVIDENCE.md), so the
/// scores mean something. Its samples are pre-tokenized SFT samples whose every response token is known to be
/// informative (the answer, a function of the prompt the base does not know), boilerplate (stock phrases the base
/// already predicts) or noise (a corrupted answer token); the base θ0 is pre-trained on the world's generic corpus and
/// the reference is θ0 fine-tuned on its clean warm-up set, both on the spot with <c>tokenclean train</c> (seconds)
/// and kept under the models folder for the next run. The summary judges the lake against the ground truth.
/// </summary>
internal sealed class SyntheticDemoWorld : IDemoWorld
{
    /// <summary>Share of answer tokens corrupted in the streamed samples.</summary>
    public const double NoiseRate = 0.2;

    /// <summary>Samples streamed.</summary>
    public const int SampleCount = 400;

    private static readonly SyntheticBenchSettings Bench = new();
    private readonly SyntheticWorld _world = new(Bench.World with { Seed = 7, PoolSize = SampleCount });
    private readonly TextWriter _log;
    private IReadOnlyList<WorldSample>? _pool;

    /// <param name="log">Where model preparation reports its steps; null = standard output.</param>
    public SyntheticDemoWorld(TextWriter? log = null) => _log = log ?? Console.Out;

    public string Description =>
        string.Create(CultureInfo.InvariantCulture, $"a synthetic SFT task with known ground truth ({SampleCount} samples: answers the base cannot know, stock phrases it already predicts, {NoiseRate:P0} of answer tokens corrupted)")
        + "; a tiny Llama base pre-trained on the world's generic text and a reference fine-tuned from it on a clean warm-up set, both trained here with `tokenclean train`";

    private IReadOnlyList<WorldSample> Pool => _pool ??= _world.Pool(NoiseRate);

    public IReadOnlyList<string> Samples(FileInfo? input)
    {
        if (input is not null)
        {
            throw new ArgumentException("the synthetic world streams its own samples; a file given with --input runs in the bundled world", nameof(input));
        }

        var lines = new List<string>(Pool.Count);
        foreach (var s in Pool)
        {
            lines.Add(JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = s.Id, ["input_ids"] = s.InputIds, ["labels"] = s.Labels }));
        }

        return lines;
    }

    public (string BaseDir, string RefDir) PrepareModels(string modelsDirectory, IReadOnlyList<string> samples)
    {
        var options = _world.Options;
        var stamp = string.Create(CultureInfo.InvariantCulture, $"synthetic world seed {options.Seed}, vocabulary {options.VocabSize}, model {Bench.Model}, pre-training {Bench.Pretrain}, reference {Bench.Reference}");
        var root = Path.Combine(modelsDirectory, "synthetic");
        var baseDir = Path.Combine(root, "base");
        var refDir = Path.Combine(root, "v0-warmup"); // its folder name is the version rows and the page show
        var stampFile = Path.Combine(root, "world.txt");
        if (Complete(baseDir) && Complete(refDir) && File.Exists(stampFile) && File.ReadAllText(stampFile) == stamp)
        {
            _log.WriteLine($"  base and reference: the models trained by an earlier run ({root})");
            return (baseDir, refDir);
        }

        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        var init = Path.Combine(root, "init");
        var m = Bench.Model;
        RandomCheckpoint.Create(new CheckpointRecipe { Variant = "llama", Hidden = m.Hidden, Layers = m.Layers, Heads = m.Heads, KvHeads = m.KvHeads, Intermediate = m.Intermediate, Vocab = options.VocabSize, MaxPositions = 64, Seed = options.Seed }, init);
        File.WriteAllText(Path.Combine(init, "tokenizer.json"), WorldVocabulary.TokenizerJson(options));
        var corpus = Path.Combine(root, "corpus.jsonl");
        var warmup = Path.Combine(root, "warmup.jsonl");
        WorldFiles.WriteSamples(corpus, _world.Corpus());
        WorldFiles.WriteSamples(warmup, _world.Warmup());

        // Tiny models: one intra-op thread beats two (docs/EVIDENCE.md); the service's scorers are left as configured.
        var threads = Scoring.Torch.NumThreads;
        Scoring.Torch.NumThreads = 1;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            InProcessCommand.Run(["train", "--base", init, "--data", corpus, "--out", baseDir, .. Bench.Pretrain.Flags(options.Seed, Bench.Pretrain.Steps(options.CorpusSize))]);
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  base: pre-trained on {options.CorpusSize} generic documents in {clock.Elapsed.TotalSeconds:F1} s"));
            clock.Restart();
            InProcessCommand.Run(["train", "--base", baseDir, "--data", warmup, "--out", refDir, .. Bench.Reference.Flags(options.Seed, Bench.Reference.Steps(options.WarmupSize))]);
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  reference: the base fine-tuned on {options.WarmupSize} clean warm-up samples in {clock.Elapsed.TotalSeconds:F1} s"));
        }
        finally
        {
            Scoring.Torch.NumThreads = threads;
        }

        File.WriteAllText(stampFile, stamp);
        return (baseDir, refDir);
    }

    /// <summary>The ground truth of the streamed samples: sample id → kind per position.</summary>
    public IReadOnlyDictionary<string, TokenKind[]> Truth() => Pool.ToDictionary(s => s.Id, s => s.Kinds, StringComparer.Ordinal);

    public IReadOnlyList<string> GroundTruthSummary(LakeInspector lake)
    {
        var masks = lake.Labels();
        var truth = Pool.Where(s => masks.ContainsKey(s.Id)).ToDictionary(s => s.Id, s => s.Kinds, StringComparer.Ordinal);
        if (truth.Count == 0)
        {
            return ["ground truth     no sample of the world reached the lake"];
        }

        var q = MaskQuality.Measure(truth, masks);
        var everyToken = Pool.Where(s => truth.ContainsKey(s.Id)).ToDictionary(s => s.Id, s => s.Labels, StringComparer.Ordinal);
        var all = MaskQuality.Measure(truth, everyToken);
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"ground truth     (known by construction; the service never saw it) over {truth.Count} samples:"),
            string.Create(CultureInfo.InvariantCulture, $"                   noise tokens dropped        {q.NoiseDropped:P0}   (corrupted answer tokens a trainer should not learn)"),
            string.Create(CultureInfo.InvariantCulture, $"                   boilerplate dropped         {q.BoilerplateDropped:P0}   (stock phrases the base already predicts)"),
            string.Create(CultureInfo.InvariantCulture, $"                   informative tokens kept     {q.InformativeKept:P0}   (correct answer tokens)"),
            string.Create(CultureInfo.InvariantCulture, $"                   kept tokens informative     {q.Precision:P0}   (training on every response token: {all.Precision:P0})"),
        ];
    }

    private static bool Complete(string dir) => File.Exists(Path.Combine(dir, CheckpointPublisher.MarkerFileName));
}
