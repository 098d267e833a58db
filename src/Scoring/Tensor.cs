using System.Runtime.InteropServices;
using TokenClean.Scoring.Native;

namespace TokenClean.Scoring;

/// <summary>An owned handle to a libtorch tensor. Dispose it (or let a scope do it); the finalizer is a safety net.</summary>
public sealed class Tensor : IDisposable
{
    private IntPtr _handle;

    private Tensor(IntPtr handle) => _handle = handle;

    ~Tensor() => Release();

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Tensor));

    public DType DType => (DType)TorchException.ThrowIfFailed(NativeMethods.TensorDType(Handle));

    public unsafe long[] Shape
    {
        get
        {
            Span<long> buffer = stackalloc long[8];
            int n;
            fixed (long* p = buffer)
            {
                n = TorchException.ThrowIfFailed(NativeMethods.TensorShape(Handle, p, buffer.Length));
            }

            return buffer[..n].ToArray();
        }
    }

    /// <summary>Copies <paramref name="data"/> into a new float32 tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> data, params ReadOnlySpan<long> shape) =>
        FromBytes(MemoryMarshal.AsBytes(data), DType.Float32, shape);

    /// <summary>Copies <paramref name="data"/> into a new int64 tensor of the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<long> data, params ReadOnlySpan<long> shape) =>
        FromBytes(MemoryMarshal.AsBytes(data), DType.Int64, shape);

    private static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, ReadOnlySpan<long> shape)
    {
        fixed (byte* d = bytes)
        fixed (long* s = shape)
        {
            return new Tensor(TorchException.ThrowIfNull(NativeMethods.TensorFromData(d, s, shape.Length, (int)dtype)));
        }
    }

    /// <summary>Matrix product with libtorch's broadcasting rules (<c>at::matmul</c>).</summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new Tensor(TorchException.ThrowIfNull(NativeMethods.TensorMatmul(Handle, other.Handle)));
    }

    /// <summary>Copies a float32 tensor's elements to a new array (row-major).</summary>
    public unsafe float[] ToFloatArray()
    {
        if (DType != DType.Float32)
        {
            throw new InvalidOperationException($"tensor is {DType}, not Float32");
        }

        long count = 1;
        foreach (var d in Shape)
        {
            count *= d;
        }

        var result = new float[checked((int)count)];
        fixed (float* p = result)
        {
            TorchException.ThrowIfFailed(NativeMethods.TensorCopyTo(Handle, p, count * sizeof(float)));
        }

        return result;
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            NativeMethods.TensorFree(h);
        }
    }
}
