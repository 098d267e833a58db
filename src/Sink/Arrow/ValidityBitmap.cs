namespace TokenClean.Sink.Arrow;

/// <summary>
/// An Arrow validity bitmap (bit i set = slot i is valid, least significant bit first). Materialized only when
/// the first null arrives, so a column without nulls has no bitmap (Arrow allows that when the null count is 0).
/// </summary>
internal sealed class ValidityBitmap
{
    private readonly GrowableBuffer _bits = new(64);
    private bool _materialized;

    public int NullCount { get; private set; }

    /// <summary>The bitmap bytes, or empty when there is no null.</summary>
    public ReadOnlyMemory<byte> Memory => _materialized ? _bits.Memory : ReadOnlyMemory<byte>.Empty;

    /// <summary>The bitmap as an Arrow buffer (<see cref="Apache.Arrow.ArrowBuffer.Empty"/> when there is no null).</summary>
    public Apache.Arrow.ArrowBuffer ArrowBuffer => _materialized ? _bits.ArrowBuffer : Apache.Arrow.ArrowBuffer.Empty;

    public void Clear()
    {
        _bits.Clear();
        _materialized = false;
        NullCount = 0;
    }

    /// <summary>Records slot <paramref name="index"/> (the next one) as valid or null.</summary>
    public void Append(int index, bool valid)
    {
        if (!valid && !_materialized)
        {
            Materialize(index);
        }

        if (!_materialized)
        {
            return;
        }

        var byteIndex = index >> 3;
        if (byteIndex >= _bits.Length)
        {
            _bits.AppendZeros(1);
        }

        if (valid)
        {
            _bits.WrittenSpan[byteIndex] |= (byte)(1 << (index & 7));
        }
        else
        {
            NullCount++;
        }
    }

    private void Materialize(int validSoFar)
    {
        _materialized = true;
        var fullBytes = validSoFar >> 3;
        _bits.GetSpan(fullBytes).Fill(0xFF);
        _bits.Advance(fullBytes);
        var rest = validSoFar & 7;
        if (rest != 0)
        {
            _bits.Append((byte)((1 << rest) - 1));
        }
    }
}
