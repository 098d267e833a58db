namespace TokenClean.Scoring.Models;

/// <summary>Knobs of <see cref="CausalLm.TokenLosses"/>; the defaults suit a CPU and a small GPU alike.</summary>
public sealed record ScoringOptions
{
    /// <summary>Rows per forward pass (tokens when packed, batch × longest when padded). A longer sample runs alone.</summary>
    public int MaxBatchTokens { get; init; } = 4096;

    public BatchMode BatchMode { get; init; } = BatchMode.Auto;

    public OverLengthPolicy OverLength { get; init; } = OverLengthPolicy.Reject;

    /// <summary>Rows per LM-head + cross-entropy chunk: bounds the float32 logits to chunk × vocab.</summary>
    public int LmHeadChunkTokens { get; init; } = 1024;

    /// <summary>
    /// Bytes of the [rows, 2 × intermediate] gate|up activations per MLP chunk (30 MiB keeps them under glibc's
    /// mmap threshold). Internal: tests shrink it to exercise the chunked path on tiny models.
    /// </summary>
    internal long MlpChunkBytes { get; init; } = 30L << 20;
}
