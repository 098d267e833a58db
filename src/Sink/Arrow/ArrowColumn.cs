using Apache.Arrow;
using Apache.Arrow.Types;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// Accumulates the values of one column for the current record batch in Arrow's memory layout, in buffers this
/// project owns (<see cref="GrowableBuffer"/>, pooled). <see cref="Build"/> wraps them, without a copy, in an
/// Apache.Arrow array for the writers; <see cref="Clear"/> keeps the capacity for the next batch.
/// </summary>
public abstract class ArrowColumn
{
    private protected ArrowColumn(Field field) => Field = field ?? throw new ArgumentNullException(nameof(field));

    public Field Field { get; }

    /// <summary>Rows appended since the last <see cref="Clear"/>.</summary>
    public int Length { get; private protected set; }

    public abstract int NullCount { get; }

    /// <summary>Forgets the rows (keeps the memory).</summary>
    public abstract void Clear();

    /// <summary>Appends a null row; throws if the field is not nullable.</summary>
    public abstract void AppendNull();

    /// <summary>The builder for <paramref name="field"/>'s type: the one place a new type's column is chosen.</summary>
    public static ArrowColumn Create(Field field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.DataType.TypeId switch
        {
            ArrowTypeId.Int32 => new PrimitiveColumn<int>(field),
            ArrowTypeId.Int64 or ArrowTypeId.Timestamp => new PrimitiveColumn<long>(field),
            ArrowTypeId.Float => new PrimitiveColumn<float>(field),
            ArrowTypeId.String => new Utf8Column(field),
            ArrowTypeId.List => ((ListType)field.DataType).ValueDataType.TypeId switch
            {
                ArrowTypeId.Int32 => new ListColumn<int>(field),
                ArrowTypeId.Int64 or ArrowTypeId.Timestamp => new ListColumn<long>(field),
                ArrowTypeId.Float => new ListColumn<float>(field),
                _ => throw new NotSupportedException($"list of {((ListType)field.DataType).ValueDataType.Name} is not supported"),
            },
            _ => throw new NotSupportedException($"Arrow type {field.DataType.Name} is not supported"),
        };
    }

    /// <summary>
    /// The rows appended so far as an Apache.Arrow array over this column's buffers (no copy). Valid until the next
    /// append or <see cref="Clear"/>: write it, then clear.
    /// </summary>
    public abstract IArrowArray Build();

    /// <summary>A fixed-width array of <paramref name="type"/> over the given buffers.</summary>
    private protected static IArrowArray Primitive(IArrowType type, ArrowBuffer values, ArrowBuffer validity, int length, int nullCount) =>
        type switch
        {
            Int32Type => new Int32Array(values, validity, length, nullCount, 0),
            Int64Type => new Int64Array(values, validity, length, nullCount, 0),
            FloatType => new FloatArray(values, validity, length, nullCount, 0),
            TimestampType ts => new TimestampArray(ts, values, validity, length, nullCount, 0),
            _ => throw new NotSupportedException($"Arrow type {type.Name} is not supported"),
        };

    /// <summary>Bytes per value of a fixed-width type (0 for others).</summary>
    private protected static int ByteWidth(IArrowType type) => type is FixedWidthType f ? f.BitWidth / 8 : 0;

    private protected void ThrowIfNotNullable()
    {
        if (!Field.IsNullable)
        {
            throw new InvalidOperationException($"column '{Field.Name}' is not nullable");
        }
    }
}
