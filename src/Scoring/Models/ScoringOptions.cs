namespace TokenClean.Scoring.Models;

/// <summary>Knobs of <see cref="CausalLm.TokenLosses"/>; the defaults suit a CPU and a small GPU alike.</summary>
public sealed record ScoringOptions
{
    /// <summary>Rows per forward pass (tokens when packed, batch × longest when padded). A longer sample runs alone.</summary>
    public int MaxBatchTokens { get; init; } = 4096;

    public BatchMode BatchMode { get; init; } = BatchMode.Auto;

    public OverLengthPolicy OverLength { get; init; } = OverLengthPolicy.Reject;

    /// <summary>
    /// Upper bound of rows per LM-head + cross-entropy chunk. A chunk's float32 logits are also kept under 128 MiB
    /// (1,024 rows at a 32k vocabulary, 256 at 128k); one buffer of that size serves every chunk of a batch.
    /// </summary>
    public int LmHeadChunkTokens { get; init; } = 1024;
}
