using System.Buffers.Binary;
using System.Text;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// A minimal FlatBuffers encoder, enough for Arrow's IPC metadata (Schema.fbs, Message.fbs, File.fbs).
/// </summary>
/// <remarks>
/// Builds back to front like the reference builders: a child (string, vector, table) is finished before the
/// table that points at it, so every offset points forward, as the format requires. Offsets returned by the
/// methods are distances from the end of the buffer; <see cref="Finish"/> turns the buffer into its final form.
/// Every scalar is aligned to its size relative to the end, and <see cref="Finish"/> pads the front so that the
/// buffer length is a multiple of the largest alignment used: a reader that places the buffer at an aligned
/// address (Arrow's verifiers check this) sees aligned scalars. Not thread-safe; reusable after <see cref="Reset"/>.
/// </remarks>
internal sealed class FlatBufferBuilder
{
    private byte[] _buf;
    private int _space;
    private int _minAlign = 1;
    private int[] _slots = new int[16];
    private int _slotCount;
    private int _tableStart = -1;

    public FlatBufferBuilder(int initialCapacity = 1024)
    {
        _buf = new byte[initialCapacity];
        _space = initialCapacity;
    }

    /// <summary>Bytes written so far, measured from the end of the buffer.</summary>
    public int Offset => _buf.Length - _space;

    public void Reset()
    {
        _space = _buf.Length;
        _minAlign = 1;
        _slotCount = 0;
        _tableStart = -1;
    }

    /// <summary>The finished buffer (valid until the next change to the builder).</summary>
    public ReadOnlySpan<byte> Data => _buf.AsSpan(_space);

    public int CreateString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        NotInTable();
        Prep(4, byteCount + 1);
        _buf[--_space] = 0;
        _space -= byteCount;
        Encoding.UTF8.GetBytes(value, _buf.AsSpan(_space, byteCount));
        PutInt32(byteCount);
        return Offset;
    }

    /// <summary>A vector of offsets (strings or tables), given in element order.</summary>
    public int CreateOffsetVector(ReadOnlySpan<int> offsets)
    {
        NotInTable();
        Prep(4, 4 * offsets.Length);
        for (var i = offsets.Length - 1; i >= 0; i--)
        {
            AddOffsetUnchecked(offsets[i]);
        }

        PutInt32(offsets.Length);
        return Offset;
    }

    /// <summary>A vector of int64 scalars (e.g. Schema.features), given in element order.</summary>
    public int CreateInt64Vector(ReadOnlySpan<long> values)
    {
        NotInTable();
        StartVector(8, values.Length, 8);
        for (var i = values.Length - 1; i >= 0; i--)
        {
            PutInt64(values[i]);
        }

        return EndVector(values.Length);
    }

    /// <summary>
    /// A vector of structs made of 8-byte words (Arrow's FieldNode, Buffer and Block all are): each struct is
    /// <paramref name="wordsPerStruct"/> int64 words, given in element order.
    /// </summary>
    public int CreateStructVector(ReadOnlySpan<long> words, int wordsPerStruct)
    {
        NotInTable();
        var count = words.Length / wordsPerStruct;
        StartVector(8 * wordsPerStruct, count, 8);
        for (var i = words.Length - 1; i >= 0; i--)
        {
            PutInt64(words[i]);
        }

        return EndVector(count);
    }

    public void StartTable(int fieldCount)
    {
        NotInTable();
        if (_slots.Length < fieldCount)
        {
            _slots = new int[fieldCount];
        }

        Array.Clear(_slots, 0, fieldCount);
        _slotCount = fieldCount;
        _tableStart = Offset;
    }

    /// <summary>Adds a scalar field; like the reference builders, a value equal to the schema default is omitted.</summary>
    public void AddBool(int slot, bool value, bool defaultValue = false)
    {
        if (value != defaultValue)
        {
            Prep(1, 0);
            _buf[--_space] = value ? (byte)1 : (byte)0;
            _slots[slot] = Offset;
        }
    }

    public void AddByte(int slot, byte value, byte defaultValue = 0)
    {
        if (value != defaultValue)
        {
            Prep(1, 0);
            _buf[--_space] = value;
            _slots[slot] = Offset;
        }
    }

    public void AddInt16(int slot, short value, short defaultValue = 0)
    {
        if (value != defaultValue)
        {
            Prep(2, 0);
            _space -= 2;
            BinaryPrimitives.WriteInt16LittleEndian(_buf.AsSpan(_space), value);
            _slots[slot] = Offset;
        }
    }

    public void AddInt32(int slot, int value, int defaultValue = 0)
    {
        if (value != defaultValue)
        {
            Prep(4, 0);
            PutInt32(value);
            _slots[slot] = Offset;
        }
    }

    public void AddInt64(int slot, long value, long defaultValue = 0)
    {
        if (value != defaultValue)
        {
            Prep(8, 0);
            PutInt64(value);
            _slots[slot] = Offset;
        }
    }

    /// <summary>Adds a reference to an already finished string, vector or table; 0 means absent.</summary>
    public void AddOffset(int slot, int offset)
    {
        if (offset != 0)
        {
            Prep(4, 0);
            AddOffsetUnchecked(offset);
            _slots[slot] = Offset;
        }
    }

    public int EndTable()
    {
        if (_tableStart < 0)
        {
            throw new InvalidOperationException("EndTable without StartTable");
        }

        Prep(4, 0);
        PutInt32(0); // soffset to the vtable, patched below
        var tableOffset = Offset;
        var used = _slotCount;
        while (used > 0 && _slots[used - 1] == 0)
        {
            used--;
        }

        for (var i = used - 1; i >= 0; i--)
        {
            PutInt16(_slots[i] != 0 ? checked((short)(tableOffset - _slots[i])) : (short)0);
        }

        PutInt16(checked((short)(tableOffset - _tableStart)));
        PutInt16(checked((short)((used + 2) * 2)));
        // The table starts with a signed offset back to its vtable, which was written just before it.
        BinaryPrimitives.WriteInt32LittleEndian(_buf.AsSpan(_buf.Length - tableOffset), Offset - tableOffset);
        _tableStart = -1;
        _slotCount = 0;
        return tableOffset;
    }

    /// <summary>Writes the root offset; afterwards <see cref="Data"/> holds the finished buffer.</summary>
    public void Finish(int rootTable)
    {
        NotInTable();
        Prep(Math.Max(_minAlign, 8), 4);
        AddOffsetUnchecked(rootTable);
    }

    private void StartVector(int elementSize, int count, int alignment)
    {
        var bytes = checked(elementSize * count);
        Prep(4, bytes);
        Prep(alignment, bytes);
    }

    private int EndVector(int count)
    {
        PutInt32(count);
        return Offset;
    }

    private void AddOffsetUnchecked(int offset)
    {
        Prep(4, 0);
        PutInt32(Offset - offset + 4);
    }

    private void NotInTable()
    {
        if (_tableStart >= 0)
        {
            throw new InvalidOperationException("FlatBuffers objects cannot be created while a table is being built");
        }
    }

    /// <summary>Pads so that after <paramref name="additional"/> more bytes, a <paramref name="size"/>-byte value is aligned.</summary>
    private void Prep(int size, int additional)
    {
        _minAlign = Math.Max(_minAlign, size);
        var pad = (-(Offset + additional)) & (size - 1);
        var needed = pad + additional + size;
        if (_space < needed)
        {
            Grow(needed);
        }

        for (var i = 0; i < pad; i++)
        {
            _buf[--_space] = 0;
        }
    }

    private void Grow(int needed)
    {
        var used = Offset;
        var size = _buf.Length;
        while (size - used < needed)
        {
            size = checked(size * 2);
        }

        var bigger = new byte[size];
        _buf.AsSpan(_space).CopyTo(bigger.AsSpan(size - used));
        _buf = bigger;
        _space = size - used;
    }

    private void PutInt16(short value)
    {
        Prep(2, 0);
        _space -= 2;
        BinaryPrimitives.WriteInt16LittleEndian(_buf.AsSpan(_space), value);
    }

    private void PutInt32(int value)
    {
        _space -= 4;
        BinaryPrimitives.WriteInt32LittleEndian(_buf.AsSpan(_space), value);
    }

    private void PutInt64(long value)
    {
        _space -= 8;
        BinaryPrimitives.WriteInt64LittleEndian(_buf.AsSpan(_space), value);
    }
}
