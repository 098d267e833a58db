using TokenClean.Scoring.Native;

namespace TokenClean.Scoring;

/// <summary>Arithmetic and shape ops (each returns a new tensor in the current scope).</summary>
public sealed partial class Tensor
{
    /// <summary>Matrix product with libtorch's broadcasting rules (<c>at::matmul</c>).</summary>
    public Tensor MatMul(Tensor other) => Wrap(NativeMethods.TensorMatmul(Handle, H(other)));

    public Tensor Add(Tensor other) => Wrap(NativeMethods.OpsAdd(Handle, H(other)));

    public Tensor Mul(Tensor other) => Wrap(NativeMethods.OpsMul(Handle, H(other)));

    public Tensor Mul(double scalar) => Wrap(NativeMethods.OpsMulScalar(Handle, scalar));

    public unsafe Tensor Reshape(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape)
        {
            return Wrap(NativeMethods.OpsReshape(Handle, s, shape.Length));
        }
    }

    public Tensor Transpose(long dim0, long dim1) => Wrap(NativeMethods.OpsTranspose(Handle, dim0, dim1));

    public Tensor Contiguous() => Wrap(NativeMethods.OpsContiguous(Handle));

    public Tensor Narrow(long dim, long start, long length) => Wrap(NativeMethods.OpsNarrow(Handle, dim, start, length));

    public Tensor IndexSelect(long dim, Tensor index) => Wrap(NativeMethods.OpsIndexSelect(Handle, dim, H(index)));

    /// <summary>Concatenates along <paramref name="dim"/>.</summary>
    public static unsafe Tensor Cat(IReadOnlyList<Tensor> tensors, long dim)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var handles = new IntPtr[tensors.Count];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = H(tensors[i]);
        }

        fixed (IntPtr* p = handles)
        {
            return Wrap(NativeMethods.OpsCat(p, handles.Length, dim));
        }
    }

    private static IntPtr H(Tensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return t.Handle;
    }

    private static IntPtr HOrNull(Tensor? t) => t is null ? IntPtr.Zero : t.Handle;
}
