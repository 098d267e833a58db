using Apache.Arrow;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// One column builder per schema field over buffers this project owns; <see cref="Build"/> turns the rows into an
/// Apache.Arrow <see cref="RecordBatch"/> without copying them. Fill every column with the same number of rows,
/// write, then <see cref="Clear"/> and reuse (the memory stays allocated).
/// </summary>
public sealed class RecordBatchBuilder
{
    private readonly ArrowColumn[] _columns;
    private readonly IArrowArray[] _arrays;

    public RecordBatchBuilder(Schema schema)
    {
        Schema = schema ?? throw new ArgumentNullException(nameof(schema));
        _columns = new ArrowColumn[schema.FieldsList.Count];
        _arrays = new IArrowArray[_columns.Length];
        for (var i = 0; i < _columns.Length; i++)
        {
            _columns[i] = ArrowColumn.Create(schema.FieldsList[i]);
        }
    }

    public Schema Schema { get; }

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

    /// <summary>
    /// The rows as an Apache.Arrow record batch over this builder's buffers (no copy; a fixed number of small objects
    /// per column, nothing per row or value). Valid until the next append or <see cref="Clear"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The columns have different lengths.</exception>
    public RecordBatch Build()
    {
        var length = Length;
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i];
            if (column.Length != length)
            {
                throw new InvalidOperationException(
                    $"column '{column.Field.Name}' has {column.Length} rows, column '{_columns[0].Field.Name}' has {length}");
            }

            _arrays[i] = column.Build();
        }

        return new RecordBatch(Schema, _arrays, length);
    }
}
