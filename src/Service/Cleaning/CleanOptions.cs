namespace TokenClean.Service.Cleaning;

/// <summary>The <c>clean</c> command's settings after parsing.</summary>
internal sealed record CleanOptions
{
    public required string Input { get; init; }

    public required string BaseModel { get; init; }

    public required string ReferenceModel { get; init; }

    public required string OutputDirectory { get; init; }

    public double Keep { get; init; } = 0.6;

    public bool EmitLosses { get; init; }

    public int BatchTokens { get; init; } = 16384;

    /// <summary>Longest sample accepted; null = the models' context length.</summary>
    public int? MaxLength { get; init; }

    /// <summary><c>global</c> (default), <c>window</c> or <c>per-sample</c>.</summary>
    public string Selection { get; init; } = "global";

    /// <summary>Samples per window for <c>window</c> selection.</summary>
    public int WindowSamples { get; init; } = 1024;

    /// <summary>The influence threshold of <c>threshold</c> selection.</summary>
    public double? Threshold { get; init; }

    /// <summary>Every sample keeps at least this many of its best tokens (0 = off).</summary>
    public int MinKeptPerSample { get; init; }

    /// <summary>τ of the soft-weight column (null = no column).</summary>
    public double? SoftWeightTemperature { get; init; }

    /// <summary>A base-loss store (docs/TRAINING.md, "Score the base only once"); null = every record runs the base.</summary>
    public string? BaseLosses { get; init; }

    /// <summary>First record (0-based, blank lines not counted) to clean; the ones before are skipped (evolve's chunks).</summary>
    public long FirstRecord { get; init; }

    /// <summary>Records to clean from <see cref="FirstRecord"/> on; null = to the end of the input.</summary>
    public long? RecordCount { get; init; }

    /// <summary>Base name of the output, manifest and dead-letter files; null = the input's name (dead letters: dead-letters.jsonl).</summary>
    public string? OutputName { get; init; }

    /// <summary>tokenizer.json or a folder with it, recorded as the output's tokenizer lineage; null = none.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>The selection these options ask for, for the one factory.</summary>
    public Scoring.Selection.SelectionOptions SelectionOptions => new()
    {
        Mode = Selection,
        KeepRatio = Keep,
        WindowSamples = WindowSamples,
        Threshold = Threshold,
        MinKeptPerSample = MinKeptPerSample,
        SoftWeightTemperature = SoftWeightTemperature,
    };

    /// <summary>Seconds between progress lines on stderr.</summary>
    public double ProgressSeconds { get; init; } = 5;
}
