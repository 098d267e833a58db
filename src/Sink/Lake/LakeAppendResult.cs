namespace TokenClean.Sink.Lake;

/// <summary>The outcome of an append to the data lake.</summary>
/// <param name="Accepted">False when the offset was already in the lake (a duplicate, skipped).</param>
/// <param name="Committed">Files this call made durable (a roll), in commit order; usually empty.</param>
public readonly record struct LakeAppendResult(bool Accepted, IReadOnlyList<CommittedFile> Committed);
