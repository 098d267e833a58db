using System.Runtime.InteropServices;
using TokenClean.Scoring.Native;

namespace TokenClean.Scoring;

/// <summary>Creation from host memory and copies back.</summary>
public sealed partial class Tensor
{
    /// <summary>Copies <paramref name="data"/> into a new float32 tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, params ReadOnlySpan<long> shape) =>
        FromBytes(MemoryMarshal.AsBytes(data), DType.Float32, shape);

    /// <summary>Copies <paramref name="data"/> into a new int64 tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<long> data, params ReadOnlySpan<long> shape) =>
        FromBytes(MemoryMarshal.AsBytes(data), DType.Int64, shape);

    /// <summary>Copies raw little-endian bytes of <paramref name="dtype"/> elements into a new CPU tensor.</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, ReadOnlySpan<long> shape)
    {
        CheckByteCount(bytes.Length, dtype, shape);
        fixed (byte* d = bytes)
        fixed (long* s = shape)
        {
            return Wrap(NativeMethods.TensorFromData(d, s, shape.Length, (int)dtype));
        }
    }

    /// <summary>
    /// Reads borrowed bytes (e.g. a memory-mapped checkpoint range) once into a new tensor converted to
    /// <paramref name="targetType"/> on <paramref name="device"/>. The bytes are not referenced after the call.
    /// </summary>
    public static unsafe Tensor FromBorrowedBytes(byte* data, long byteCount, DType sourceType, ReadOnlySpan<long> shape, DType targetType, string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        CheckByteCount(byteCount, sourceType, shape);
        fixed (long* s = shape)
        {
            return Wrap(NativeMethods.TensorFromBlobTo(data, s, shape.Length, (int)sourceType, (int)targetType, device));
        }
    }

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float16 or DType.BFloat16 => 2,
        DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Converts to another dtype and/or device (null keeps the current one).</summary>
    public Tensor To(DType? dtype, string? device = null) =>
        Wrap(NativeMethods.TensorTo(Handle, dtype is { } t ? (int)t : -1, device));

    /// <summary>Copies a float32 tensor's elements to a new array (row-major).</summary>
    public float[] ToFloatArray()
    {
        if (DType != DType.Float32)
        {
            throw new InvalidOperationException($"tensor is {DType}, not Float32");
        }

        var result = new float[checked((int)NumElements)];
        CopyTo(result.AsSpan());
        return result;
    }

    /// <summary>Copies a float32 tensor's elements into <paramref name="destination"/>, whose length must match.</summary>
    public unsafe void CopyTo(Span<float> destination)
    {
        if (DType != DType.Float32)
        {
            throw new InvalidOperationException($"tensor is {DType}, not Float32");
        }

        fixed (float* p = destination)
        {
            TorchException.ThrowIfFailed(NativeMethods.TensorCopyTo(Handle, p, (long)destination.Length * sizeof(float)));
        }
    }

    private static void CheckByteCount(long bytes, DType dtype, ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension {d}", nameof(shape));
            }

            count = checked(count * d);
        }

        if (checked(count * ElementSize(dtype)) != bytes)
        {
            throw new ArgumentException($"{bytes} bytes do not hold [{string.Join(", ", shape.ToArray())}] {dtype} elements");
        }
    }
}
