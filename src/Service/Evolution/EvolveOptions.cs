using TokenClean.Scoring;
using TokenClean.Scoring.Selection;
using TokenClean.Training;

namespace TokenClean.Service.Evolution;

/// <summary>The <c>evolve</c> command's settings after parsing.</summary>
internal sealed record EvolveOptions
{
    /// <summary>Selection within each chunk: the paper's global top-k over the chunk.</summary>
    public const string Chunk = "chunk";

    public required string Input { get; init; }

    public required string BaseModel { get; init; }

    public required string OutputDirectory { get; init; }

    /// <summary>Warm-up data the first reference is fine-tuned on (from the base); excludes <see cref="Reference"/>.</summary>
    public string? Warmup { get; init; }

    /// <summary>A ready first reference; excludes <see cref="Warmup"/>.</summary>
    public string? Reference { get; init; }

    public int Chunks { get; init; } = 5;

    public double Keep { get; init; } = 0.6;

    /// <summary><see cref="Chunk"/>, <c>per-sample</c> or <c>threshold</c>.</summary>
    public string Selection { get; init; } = Chunk;

    public double? Threshold { get; init; }

    public int MinKeptPerSample { get; init; }

    public double? SoftWeightTemperature { get; init; }

    /// <summary>Hyperparameters of every fine-tuning (warm-up and rounds).</summary>
    public TrainingOptions Training { get; init; } = new();

    /// <summary>Save the resumable training state every this many optimizer steps.</summary>
    public int SaveEvery { get; init; } = 100;

    /// <summary>Compute dtype of the scoring models (fp32 default).</summary>
    public DType ScoringDType { get; init; } = DType.Float32;

    public int BatchTokens { get; init; } = 16384;

    /// <summary>tokenizer.json or a folder with it, for text samples and lineage; null = the base's.</summary>
    public string? Tokenizer { get; init; }

    public string? ChatTemplate { get; init; }

    /// <summary>The base-loss store; null = OUT/base-losses.</summary>
    public string? BaseLosses { get; init; }

    /// <summary>False: every base loss is computed again (measurement), the store is only written.</summary>
    public bool ReuseBaseLosses { get; init; } = true;

    public string BaseLossDirectory => BaseLosses ?? Path.Combine(OutputDirectory, "base-losses");

    /// <summary>The policy options of one chunk (a new policy per chunk: top k within the chunk).</summary>
    public SelectionOptions SelectionOptions => new()
    {
        Mode = Selection == Chunk ? SelectionPolicies.Global : Selection,
        KeepRatio = Keep,
        Threshold = Threshold,
        MinKeptPerSample = MinKeptPerSample,
        SoftWeightTemperature = SoftWeightTemperature,
    };
}
