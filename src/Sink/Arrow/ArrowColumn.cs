namespace TokenClean.Sink.Arrow;

/// <summary>
/// Accumulates the values of one column for the current record batch, in Arrow's memory layout, so that the
/// writer streams the buffers as they are. <see cref="Clear"/> keeps the capacity for the next batch.
/// </summary>
public abstract class ArrowColumn
{
    private protected ArrowColumn(ArrowField field) => Field = field ?? throw new ArgumentNullException(nameof(field));

    public ArrowField Field { get; }

    /// <summary>Rows appended since the last <see cref="Clear"/>.</summary>
    public int Length { get; private protected set; }

    public abstract int NullCount { get; }

    /// <summary>Forgets the rows (keeps the memory).</summary>
    public abstract void Clear();

    /// <summary>Appends a null row; throws if the field is not nullable.</summary>
    public abstract void AppendNull();

    /// <summary>The builder for <paramref name="field"/>'s type: the one place a new type's column is chosen.</summary>
    public static ArrowColumn Create(ArrowField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.Type.Kind switch
        {
            ArrowTypeKind.Int32 => new PrimitiveColumn<int>(field),
            ArrowTypeKind.Int64 or ArrowTypeKind.Timestamp => new PrimitiveColumn<long>(field),
            ArrowTypeKind.Float32 => new PrimitiveColumn<float>(field),
            ArrowTypeKind.Utf8 => new Utf8Column(field),
            ArrowTypeKind.List => field.Type.Item!.Type.Kind switch
            {
                ArrowTypeKind.Int32 => new ListColumn<int>(field),
                ArrowTypeKind.Int64 or ArrowTypeKind.Timestamp => new ListColumn<long>(field),
                ArrowTypeKind.Float32 => new ListColumn<float>(field),
                _ => throw new NotSupportedException($"list of {field.Type.Item.Type} is not supported"),
            },
            _ => throw new NotSupportedException($"Arrow type {field.Type} is not supported"),
        };
    }

    /// <summary>Adds this column's field nodes and buffers, in pre-order, to the batch body.</summary>
    internal abstract void AddTo(IpcBody body);

    private protected void ThrowIfNotNullable()
    {
        if (!Field.Nullable)
        {
            throw new InvalidOperationException($"column '{Field.Name}' is not nullable");
        }
    }
}
