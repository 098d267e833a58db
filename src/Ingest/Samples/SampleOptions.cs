namespace TokenClean.Ingest.Samples;

/// <summary>Limits applied while parsing and encoding samples.</summary>
public sealed record SampleOptions
{
    /// <summary>Largest raw message in bytes, checked before parsing (default 4 MiB).</summary>
    public int MaxBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted (default 16; samples need 4).</summary>
    public int MaxJsonDepth { get; init; } = 16;

    /// <summary>Most tokens per sample (default 4096).</summary>
    public int MaxTokens { get; init; } = 4096;

    /// <summary>What to do above <see cref="MaxTokens"/> (default <see cref="OverLengthPolicy.Reject"/>).</summary>
    public OverLengthPolicy OverLength { get; init; } = OverLengthPolicy.Reject;

    /// <summary>The defaults.</summary>
    public static SampleOptions Default { get; } = new();
}
