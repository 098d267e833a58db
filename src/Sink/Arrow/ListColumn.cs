using Apache.Arrow;
using Apache.Arrow.Types;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// A list&lt;primitive&gt; column: int32 offsets plus one contiguous child values buffer. A row is appended as a
/// span that is copied once, as bytes, into the values buffer: no per-element work or allocation.
/// </summary>
/// <typeparam name="T">The item's physical type.</typeparam>
public sealed class ListColumn<T> : ArrowColumn
    where T : unmanaged
{
    private readonly GrowableBuffer _offsets = new();
    private readonly GrowableBuffer _values = new(4096);
    private readonly ValidityBitmap _validity = new();
    private int _itemCount;

    public ListColumn(Field field)
        : base(field)
    {
        if (field.DataType is not ListType list
            || ByteWidth(list.ValueDataType) != System.Runtime.CompilerServices.Unsafe.SizeOf<T>())
        {
            throw new ArgumentException($"ListColumn<{typeof(T).Name}> cannot store Arrow type {field.DataType.Name}", nameof(field));
        }

        _offsets.Append(0);
    }

    public override int NullCount => _validity.NullCount;

    /// <summary>Items appended to the current batch, over all rows.</summary>
    public int ItemCount => _itemCount;

    public void Append(ReadOnlySpan<T> items)
    {
        _values.Append(items);
        _itemCount = checked(_itemCount + items.Length);
        EndValue(valid: true);
    }

    public override void AppendNull()
    {
        ThrowIfNotNullable();
        EndValue(valid: false);
    }

    public override void Clear()
    {
        _offsets.Clear();
        _offsets.Append(0);
        _values.Clear();
        _validity.Clear();
        _itemCount = 0;
        Length = 0;
    }

    public override IArrowArray Build()
    {
        var type = (ListType)Field.DataType;
        // The item child: never null (NaN stands for "no score"), so it has no bitmap.
        var items = Primitive(type.ValueDataType, _values.ArrowBuffer, ArrowBuffer.Empty, _itemCount, 0);
        return new ListArray(type, Length, _offsets.ArrowBuffer, items, _validity.ArrowBuffer, NullCount, 0);
    }

    private void EndValue(bool valid)
    {
        _offsets.Append(_itemCount);
        _validity.Append(Length, valid);
        Length++;
    }
}
