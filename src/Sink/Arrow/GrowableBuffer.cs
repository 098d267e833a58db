using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// A byte buffer rented from <see cref="ArrayPool{T}.Shared"/> that grows by doubling (returning the smaller array
/// to the pool) and keeps its capacity across <see cref="Clear"/>, so a column builder reused batch after batch stops
/// allocating once it has seen its largest batch. Apache.Arrow's writers read it in place through an
/// <see cref="Apache.Arrow.ArrowBuffer"/> that wraps <see cref="Memory"/> (no copy).
/// </summary>
internal sealed class GrowableBuffer
{
    private byte[] _data;

    public GrowableBuffer(int initialCapacity = 256) => _data = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _data.AsMemory(0, Length);

    /// <summary>The written bytes as an Arrow buffer; valid until the next append or <see cref="Clear"/>.</summary>
    public Apache.Arrow.ArrowBuffer ArrowBuffer => new(Memory);

    public Span<byte> WrittenSpan => _data.AsSpan(0, Length);

    public void Clear() => Length = 0;

    public void Append<T>(T value)
        where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        Ensure(size);
        MemoryMarshal.Write(_data.AsSpan(Length, size), in value);
        Length += size;
    }

    public void Append<T>(ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        Ensure(bytes.Length);
        bytes.CopyTo(_data.AsSpan(Length));
        Length += bytes.Length;
    }

    /// <summary>Appends <paramref name="count"/> zero bytes.</summary>
    public void AppendZeros(int count)
    {
        Ensure(count);
        _data.AsSpan(Length, count).Clear();
        Length += count;
    }

    /// <summary>A span of <paramref name="size"/> bytes at the end, to be committed with <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int size)
    {
        Ensure(size);
        return _data.AsSpan(Length, size);
    }

    public void Advance(int count) => Length = checked(Length + count);

    private void Ensure(int extra)
    {
        var needed = checked(Length + extra);
        if (needed <= _data.Length)
        {
            return;
        }

        var size = Math.Max(_data.Length, 64);
        while (size < needed)
        {
            size = size > Array.MaxLength / 2 ? Array.MaxLength : size * 2;
            if (size == Array.MaxLength && size < needed)
            {
                throw new OverflowException("an Arrow buffer cannot exceed 2 GiB; write smaller batches");
            }
        }

        var larger = ArrayPool<byte>.Shared.Rent(size);
        _data.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_data);
        _data = larger;
    }
}
