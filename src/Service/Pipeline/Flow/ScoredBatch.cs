namespace TokenClean.Service.Pipeline;

/// <summary>A <see cref="TokenBatch"/> after scoring: one <see cref="ScoredRecord"/> per input record, same order.</summary>
internal sealed record ScoredBatch(IReadOnlyList<ScoredRecord> Records, bool FlushSelection);
