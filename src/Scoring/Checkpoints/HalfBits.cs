using System.Buffers.Binary;

namespace TokenClean.Scoring.Checkpoints;

/// <summary>Host-side conversions between float32 and the 16-bit float encodings of checkpoints.</summary>
public static class HalfBits
{
    /// <summary>float32 → bfloat16 bits, round to nearest even (as torch does).</summary>
    public static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return 0x7FC0;
        }

        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static float FromBFloat16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Encodes floats as little-endian bytes of <paramref name="dtype"/> (Float32, BFloat16 or Float16).</summary>
    public static byte[] Encode(ReadOnlySpan<float> values, DType dtype)
    {
        var size = DTypes.ElementSize(dtype);
        var bytes = new byte[values.Length * size];
        for (var i = 0; i < values.Length; i++)
        {
            var dst = bytes.AsSpan(i * size);
            switch (dtype)
            {
                case DType.Float32: BinaryPrimitives.WriteSingleLittleEndian(dst, values[i]); break;
                case DType.BFloat16: BinaryPrimitives.WriteUInt16LittleEndian(dst, ToBFloat16(values[i])); break;
                case DType.Float16: BinaryPrimitives.WriteHalfLittleEndian(dst, (Half)values[i]); break;
                default: throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating dtype");
            }
        }

        return bytes;
    }

    /// <summary>Decodes little-endian bytes of <paramref name="dtype"/> to floats.</summary>
    public static float[] Decode(ReadOnlySpan<byte> bytes, DType dtype)
    {
        var size = DTypes.ElementSize(dtype);
        var values = new float[bytes.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            var src = bytes.Slice(i * size);
            values[i] = dtype switch
            {
                DType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(src),
                DType.BFloat16 => FromBFloat16(BinaryPrimitives.ReadUInt16LittleEndian(src)),
                DType.Float16 => (float)BinaryPrimitives.ReadHalfLittleEndian(src),
                _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating dtype"),
            };
        }

        return values;
    }
}
