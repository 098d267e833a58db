using System.Runtime.InteropServices;

namespace TokenClean.Scoring.Native;

/// <summary>P/Invoke surface of <c>native/tc_ops.h</c>: arithmetic and shape ops.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Library, EntryPoint = "tc_ops_add")]
    internal static partial IntPtr OpsAdd(IntPtr a, IntPtr b);

    [LibraryImport(Library, EntryPoint = "tc_ops_mul")]
    internal static partial IntPtr OpsMul(IntPtr a, IntPtr b);

    [LibraryImport(Library, EntryPoint = "tc_ops_mul_scalar")]
    internal static partial IntPtr OpsMulScalar(IntPtr a, double s);

    [LibraryImport(Library, EntryPoint = "tc_ops_reshape")]
    internal static unsafe partial IntPtr OpsReshape(IntPtr a, long* shape, int ndim);

    [LibraryImport(Library, EntryPoint = "tc_ops_transpose")]
    internal static partial IntPtr OpsTranspose(IntPtr a, long dim0, long dim1);

    [LibraryImport(Library, EntryPoint = "tc_ops_contiguous")]
    internal static partial IntPtr OpsContiguous(IntPtr a);

    [LibraryImport(Library, EntryPoint = "tc_ops_narrow")]
    internal static partial IntPtr OpsNarrow(IntPtr a, long dim, long start, long length);

    [LibraryImport(Library, EntryPoint = "tc_ops_cat")]
    internal static unsafe partial IntPtr OpsCat(IntPtr* tensors, int count, long dim);

    [LibraryImport(Library, EntryPoint = "tc_ops_index_select")]
    internal static partial IntPtr OpsIndexSelect(IntPtr a, long dim, IntPtr index);
}
