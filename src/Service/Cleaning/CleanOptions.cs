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

    /// <summary>tokenizer.json or a folder with it, recorded as the output's tokenizer lineage; null = none.</summary>
    public string? Tokenizer { get; init; }

    /// <summary>Seconds between progress lines on stderr.</summary>
    public double ProgressSeconds { get; init; } = 5;
}
