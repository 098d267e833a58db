using System.Runtime.CompilerServices;
using System.Text;

namespace TokenClean.Ingest.Tokenization;

/// <summary>A growable byte buffer reused across calls so the hot path does not allocate.</summary>
internal sealed class ByteBuffer
{
    private byte[] _data;

    public ByteBuffer(int capacity = 256) => _data = new byte[capacity];

    public int Length { get; private set; }

    public byte[] Array => _data;

    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

    public void Clear() => Length = 0;

    public void EnsureCapacity(int capacity)
    {
        if (capacity > _data.Length)
        {
            System.Array.Resize(ref _data, Math.Max(capacity, _data.Length * 2));
        }
    }

    public void SetLength(int length)
    {
        EnsureCapacity(length);
        Length = length;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(Length + bytes.Length);
        bytes.CopyTo(_data.AsSpan(Length));
        Length += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Append(byte b)
    {
        if (Length == _data.Length)
        {
            EnsureCapacity(Length + 1);
        }

        _data[Length++] = b;
    }

    /// <summary>Appends one code point as UTF-8.</summary>
    public void AppendRune(int cp)
    {
        EnsureCapacity(Length + 4);
        Length += new Rune(cp).EncodeToUtf8(_data.AsSpan(Length));
    }
}

/// <summary>A growable int list reused across calls (ids, ranges as pairs, matches as triples).</summary>
internal sealed class IntList
{
    private int[] _data;

    public IntList(int capacity = 64) => _data = new int[capacity];

    public int Count { get; private set; }

    public int[] Array => _data;

    public Span<int> Span => _data.AsSpan(0, Count);

    public int this[int index] => _data[index];

    public void Clear() => Count = 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int value)
    {
        if (Count == _data.Length)
        {
            Grow(Count + 1);
        }

        _data[Count++] = value;
    }

    public void Add(int a, int b)
    {
        if (Count + 2 > _data.Length)
        {
            Grow(Count + 2);
        }

        _data[Count] = a;
        _data[Count + 1] = b;
        Count += 2;
    }

    public void Add(int a, int b, int c)
    {
        if (Count + 3 > _data.Length)
        {
            Grow(Count + 3);
        }

        _data[Count] = a;
        _data[Count + 1] = b;
        _data[Count + 2] = c;
        Count += 3;
    }

    public void AddRange(ReadOnlySpan<int> values)
    {
        if (Count + values.Length > _data.Length)
        {
            Grow(Count + values.Length);
        }

        values.CopyTo(_data.AsSpan(Count));
        Count += values.Length;
    }

    public void RemoveLast(int n) => Count -= n;

    private void Grow(int min) => System.Array.Resize(ref _data, Math.Max(min, _data.Length * 2));
}
