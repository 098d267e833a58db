using System.Runtime.InteropServices;
using System.Text;
using TokenClean.Scoring.Native;

namespace TokenClean.Scoring;

/// <summary>
/// An owned handle to a libtorch tensor. A tensor created while a <see cref="TensorScope"/> is open on this thread
/// belongs to that scope; otherwise the creator disposes it. The finalizer is a safety net only.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private IntPtr _handle;
    private TensorScope? _scope;

    private Tensor(IntPtr handle)
    {
        _handle = handle;
        _scope = TensorScope.Current;
        _scope?.Add(this);
    }

    ~Tensor() => Release();

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Tensor));

    /// <summary>True once the native tensor has been freed.</summary>
    public bool IsDisposed => _handle == IntPtr.Zero;

    public DType DType => (DType)TorchException.ThrowIfFailed(NativeMethods.TensorDType(Handle));

    /// <summary>The device string, e.g. "cpu" or "cuda:0".</summary>
    public unsafe string Device
    {
        get
        {
            Span<byte> buffer = stackalloc byte[64];
            fixed (byte* p = buffer)
            {
                var n = TorchException.ThrowIfFailed(NativeMethods.TensorDevice(Handle, p, buffer.Length));
                return Encoding.UTF8.GetString(buffer[..n]);
            }
        }
    }

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

    /// <summary>Size of one dimension (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        return shape[dim < 0 ? shape.Length + dim : dim];
    }

    /// <summary>Number of elements.</summary>
    public long NumElements
    {
        get
        {
            long count = 1;
            foreach (var d in Shape)
            {
                count *= d;
            }

            return count;
        }
    }

    internal static Tensor Wrap(IntPtr handle) => new(TorchException.ThrowIfNull(handle));

    /// <summary>
    /// Takes this tensor out of its scope and gives it to the enclosing scope, or to the caller when there is none,
    /// so it survives the end of the current batch. Returns this tensor.
    /// </summary>
    public Tensor MoveToOuterScope()
    {
        if (_scope is { } scope)
        {
            scope.Remove(this);
            _scope = scope.Outer;
            _scope?.Add(this);
        }

        return this;
    }

    /// <summary>Takes this tensor out of every scope: the caller (e.g. a model holding weights) disposes it.</summary>
    public Tensor DetachFromScope()
    {
        _scope?.Remove(this);
        _scope = null;
        return this;
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
