namespace TokenClean.Sink.Arrow;

/// <summary>
/// One column builder per schema field; the unit an <see cref="ArrowIpcWriter"/> writes. Fill every column with
/// the same number of rows, write, then <see cref="Clear"/> and reuse (the memory stays allocated).
/// </summary>
public sealed class RecordBatchBuilder
{
    private readonly ArrowColumn[] _columns;

    public RecordBatchBuilder(ArrowSchema schema)
    {
        Schema = schema ?? throw new ArgumentNullException(nameof(schema));
        _columns = new ArrowColumn[schema.Fields.Count];
        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i] = ArrowColumn.Create(schema.Fields[i]);
        }
    }

    public ArrowSchema Schema { get; }

    public IReadOnlyList<ArrowColumn> Columns => _columns;

    /// <summary>Rows in the batch (the length of the first column).</summary>
    public int Length => _columns[0].Length;

    /// <summary>The column at <paramref name="index"/> as its concrete builder type.</summary>
    public TColumn Column<TColumn>(int index)
        where TColumn : ArrowColumn
        => _columns[index] as TColumn
            ?? throw new InvalidCastException($"column '{_columns[index].Field.Name}' is a {_columns[index].GetType().Name}, not a {typeof(TColumn).Name}");

    public void Clear()
    {
        foreach (var column in _columns)
        {
            column.Clear();
        }
    }

    internal void AddTo(IpcBody body)
    {
        var length = Length;
        foreach (var column in _columns)
        {
            if (column.Length != length)
            {
                throw new InvalidOperationException(
                    $"column '{column.Field.Name}' has {column.Length} rows, column '{_columns[0].Field.Name}' has {length}");
            }

            column.AddTo(body);
        }
    }
}
