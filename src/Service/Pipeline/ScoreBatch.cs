namespace TokenClean.Service.Pipeline;

/// <summary>
/// Items handed from block to block, in input order. <see cref="FlushSelection"/> marks that the input went quiet
/// (or is ending): the selector closes its open window so nothing waits for more input to be written.
/// </summary>
internal sealed class ScoreBatch(List<PipelineItem> items, bool flushSelection)
{
    public List<PipelineItem> Items { get; } = items;

    public bool FlushSelection { get; } = flushSelection;

    public int Tokens { get; init; }
}
