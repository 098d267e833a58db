using Apache.Arrow;

namespace TokenClean.Sink.Arrow;

/// <summary>A fixed-width column (int32, int64, float32, timestamp) with an optional validity bitmap.</summary>
/// <typeparam name="T">The physical value type; its size must match the Arrow type's width.</typeparam>
public sealed class PrimitiveColumn<T> : ArrowColumn
    where T : unmanaged
{
    private readonly GrowableBuffer _values = new();
    private readonly ValidityBitmap _validity = new();

    public PrimitiveColumn(Field field)
        : base(field)
    {
        if (ByteWidth(field.DataType) != System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
        {
            throw new ArgumentException($"{typeof(T).Name} does not store Arrow type {field.DataType.Name}", nameof(field));
        }
    }

    public override int NullCount => _validity.NullCount;

    public void Append(T value)
    {
        _values.Append(value);
        _validity.Append(Length, valid: true);
        Length++;
    }

    /// <summary>Appends <paramref name="value"/>, or a null when it has none.</summary>
    public void Append(T? value)
    {
        if (value.HasValue)
        {
            Append(value.Value);
        }
        else
        {
            AppendNull();
        }
    }

    public override void AppendNull()
    {
        ThrowIfNotNullable();
        _values.Append(default(T));
        _validity.Append(Length, valid: false);
        Length++;
    }

    public override void Clear()
    {
        _values.Clear();
        _validity.Clear();
        Length = 0;
    }

    public override IArrowArray Build() =>
        Primitive(Field.DataType, _values.ArrowBuffer, _validity.ArrowBuffer, Length, NullCount);
}
