using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace TokenClean.Sink.Arrow;

/// <summary>A utf8 column: int32 offsets plus the UTF-8 bytes, encoded straight into the data buffer.</summary>
public sealed class Utf8Column : ArrowColumn
{
    private readonly GrowableBuffer _offsets = new();
    private readonly GrowableBuffer _data = new(4096);
    private readonly ValidityBitmap _validity = new();

    public Utf8Column(Field field)
        : base(field)
    {
        if (field.DataType.TypeId != ArrowTypeId.String)
        {
            throw new ArgumentException($"Utf8Column cannot store Arrow type {field.DataType.Name}", nameof(field));
        }

        _offsets.Append(0);
    }

    public override int NullCount => _validity.NullCount;

    /// <summary>Appends a string, or a null when <paramref name="value"/> is null.</summary>
    public void Append(string? value)
    {
        if (value is null)
        {
            AppendNull();
            return;
        }

        Append(value.AsSpan());
    }

    public void Append(ReadOnlySpan<char> value)
    {
        var span = _data.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        _data.Advance(Encoding.UTF8.GetBytes(value, span));
        EndValue(valid: true);
    }

    /// <summary>Appends bytes that are already UTF-8 (not validated).</summary>
    public void AppendUtf8(ReadOnlySpan<byte> utf8)
    {
        _data.Append(utf8);
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
        _data.Clear();
        _validity.Clear();
        Length = 0;
    }

    public override IArrowArray Build() =>
        new StringArray(Length, _offsets.ArrowBuffer, _data.ArrowBuffer, _validity.ArrowBuffer, NullCount, 0);

    private void EndValue(bool valid)
    {
        _offsets.Append(_data.Length);
        _validity.Append(Length, valid);
        Length++;
    }
}
