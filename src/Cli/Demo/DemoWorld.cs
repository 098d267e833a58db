using TokenClean.Embedded;
using TokenClean.Service.Inspection;

namespace TokenClean.Cli;

/// <summary>
/// What the demo streams and scores with: its samples, its base and reference models, and what the ground truth says
/// about the result. The one seam for a demo world whose scores mean something (a synthetic world with known
/// informative, boilerplate and noise tokens and models trained on it): implement this and return it from
/// <see cref="DemoWorlds.Default"/>; <see cref="DemoCommand"/> does the rest (Kafka, serve, the summary, the page).
/// </summary>
internal interface IDemoWorld
{
    /// <summary>One line for the demo's start: what the samples and the models are.</summary>
    string Description { get; }

    /// <summary>The JSON Lines samples to produce to the embedded cluster.</summary>
    /// <param name="input">The <c>--input</c> file when the user gave one; null = the world's own samples.</param>
    IReadOnlyList<string> Samples(FileInfo? input);

    /// <summary>Makes (or reuses) the base and reference checkpoints under <paramref name="modelsDirectory"/>; the
    /// base directory must hold the tokenizer.</summary>
    (string BaseDir, string RefDir) PrepareModels(string modelsDirectory, IReadOnlyList<string> samples);

    /// <summary>
    /// Lines for the summary that judge the cleaned lake against the ground truth (e.g. "noise tokens dropped: 97%;
    /// informative tokens kept: 94%"); empty when the world has no ground truth.
    /// </summary>
    IReadOnlyList<string> GroundTruthSummary(LakeInspector lake);
}

/// <summary>The demo worlds.</summary>
internal static class DemoWorlds
{
    /// <summary>The world <c>tokenclean demo</c> runs: the synthetic world with ground truth and models trained on it.</summary>
    public static IDemoWorld Default => new SyntheticDemoWorld();

    /// <summary>The world of <c>tokenclean demo --input FILE</c>: the user's samples, a tokenizer trained on them, random models.</summary>
    public static IDemoWorld Bundled { get; } = new BundledDemoWorld();

    /// <summary>The world for a run with or without <c>--input</c>.</summary>
    public static IDemoWorld For(FileInfo? input) => input is null ? Default : Bundled;
}

/// <summary>
/// The bundled samples (examples/data/demo.jsonl) with a tokenizer trained on them and random-weight models: the
/// pipeline runs for real, but the scores carry no meaning, so there is no ground truth to report.
/// </summary>
internal sealed class BundledDemoWorld : IDemoWorld
{
    public string Description =>
        "the bundled samples; a byte-level BPE tokenizer trained on them, a random Llama-shaped base and a perturbed reference (scores carry no meaning)";

    public IReadOnlyList<string> Samples(FileInfo? input) =>
        File.ReadAllLines((input ?? new FileInfo(Path.Combine(AppContext.BaseDirectory, "data", "demo.jsonl"))).FullName);

    public (string BaseDir, string RefDir) PrepareModels(string modelsDirectory, IReadOnlyList<string> samples) =>
        DemoAssets.Ensure(modelsDirectory, samples);

    public IReadOnlyList<string> GroundTruthSummary(LakeInspector lake) => [];
}
