using System.Globalization;
using TokenClean.Evidence.World;

namespace TokenClean.Cli.Bench;

/// <summary>
/// What <c>tokenclean bench synthetic</c> runs: the world, the sweep, and the hyperparameters every method shares.
/// The defaults were fixed (committed) before any method result was looked at; docs/EVIDENCE.md names the commit.
/// </summary>
internal sealed record SyntheticBenchSettings
{
    /// <summary>The world (its seed is replaced by each benchmark seed).</summary>
    public WorldOptions World { get; init; } = new();

    /// <summary>Seeds: each one a new world (answer map, phrases, samples), base, reference and training order.</summary>
    public IReadOnlyList<long> Seeds { get; init; } = [1, 2, 3];

    public IReadOnlyList<double> NoiseRates { get; init; } = [0.0, 0.1, 0.3];

    public IReadOnlyList<double> KeepRatios { get; init; } = [0.4, 0.6, 0.8];

    /// <summary>Self-evolving cleaning: chunks the pool is split into (the reference is the warm-up one, given as --ref).</summary>
    public int EvolveChunks { get; init; } = 4;

    /// <summary>The tiny Llama every model of the world has (hidden, layers, heads, kv heads, intermediate).</summary>
    public (int Hidden, int Layers, int Heads, int KvHeads, int Intermediate) Model { get; init; } = (64, 2, 4, 2, 256);

    /// <summary>Pre-training of θ0 on the generic corpus (from random weights).</summary>
    public TrainRecipe Pretrain { get; init; } = new(LearningRate: 3e-3, Epochs: 3, BatchSize: 16);

    /// <summary>The fixed-model reference: θ0 fine-tuned on the clean warm-up set.</summary>
    /// <remarks>Recalibrated once (docs/EVIDENCE.md, "How the settings were fixed"): at 1e-3 × 10 epochs neither the
    /// reference nor any model learned the task at all; 1e-2 × 30 epochs was chosen on the reference alone.</remarks>
    public TrainRecipe Reference { get; init; } = new(LearningRate: 1e-2, Epochs: 30, BatchSize: 16);

    /// <summary>Every compared method: θ0 fine-tuned on the pool under its mask, the same number of optimizer steps each.</summary>
    /// <remarks>The reference's learning rate, and about its number of optimizer steps (4 epochs of the pool = 256 steps; the reference takes 240).</remarks>
    public TrainRecipe Sft { get; init; } = new(LearningRate: 1e-2, Epochs: 4, BatchSize: 16);

    /// <summary>The quick form: one seed, one setting (noise 0.3, keep 0.6).</summary>
    public SyntheticBenchSettings Quick() => this with { Seeds = [Seeds[0]], NoiseRates = [0.3], KeepRatios = [0.6] };

    /// <summary>Training recipe, all full fine-tuning in fp32 (AdamW, linear schedule with 3% warm-up, clip 1.0).</summary>
    public sealed record TrainRecipe(double LearningRate, int Epochs, int BatchSize)
    {
        /// <summary>Optimizer steps for <paramref name="samples"/> samples (the SFT budget is fixed in steps, so masks that empty a sample change nothing).</summary>
        public int Steps(int samples) => Epochs * (int)Math.Ceiling(samples / (double)BatchSize);

        /// <summary>The <c>tokenclean train</c> flags of this recipe.</summary>
        public string[] Flags(long seed, int steps) =>
        [
            "--full", "--lr", LearningRate.ToString("R", CultureInfo.InvariantCulture), "--max-steps", steps.ToString(CultureInfo.InvariantCulture),
            "--batch-size", BatchSize.ToString(CultureInfo.InvariantCulture), "--warmup-ratio", "0.03", "--max-grad-norm", "1.0",
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--save-every", "0",
        ];
    }
}
