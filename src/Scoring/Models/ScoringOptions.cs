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
}
