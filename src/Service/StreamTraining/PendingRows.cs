namespace TokenClean.Service.StreamTraining;

/// <summary>Rows a row source has read and not yet handed out, in stream order (both sources keep one).</summary>
internal sealed class PendingRows
{
    private readonly Queue<CleanedRow> _rows = new();

    public void Add(CleanedRow row) => _rows.Enqueue(row);

    /// <summary>Takes rows in order until <paramref name="learnable"/> learnable ones are taken (the rows without a learnable token among them ride along).</summary>
    public List<CleanedRow> Take(int learnable)
    {
        var rows = new List<CleanedRow>();
        var n = 0;
        while (n < learnable && _rows.TryDequeue(out var row))
        {
            rows.Add(row);
            n += row.Learnable ? 1 : 0;
        }

        return rows;
    }
}
