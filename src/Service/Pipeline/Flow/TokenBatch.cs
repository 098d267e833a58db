namespace TokenClean.Service.Pipeline;

/// <summary>
/// Records for one scorer call, in input order, within the token budget. <paramref name="FlushSelection"/> marks
/// that the input went quiet (or ended): the selection stage closes its open window after this batch, so nothing
/// waits for more input to be written. A flush batch may hold no records.
/// </summary>
internal sealed record TokenBatch(IReadOnlyList<TokenizedRecord> Records, long Tokens, bool FlushSelection);
