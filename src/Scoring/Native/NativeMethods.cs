using System.Runtime.InteropServices;

namespace TokenClean.Scoring.Native;

/// <summary>P/Invoke surface of <c>native/tc_common.h</c> and <c>native/tc_tensor.h</c>.</summary>
/// <remarks>Every call that can fail is followed by <see cref="TorchException.ThrowIfFailed(int)"/> or a null check.</remarks>
internal static partial class NativeMethods
{
    internal const string Library = "tokenclean_torch";

    [LibraryImport(Library, EntryPoint = "tc_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(Library, EntryPoint = "tc_live_handles")]
    internal static partial long LiveHandles();

    [LibraryImport(Library, EntryPoint = "tc_torch_version")]
    internal static partial IntPtr TorchVersion();

    [LibraryImport(Library, EntryPoint = "tc_profile_enable")]
    internal static partial void ProfileEnable(int on);

    [LibraryImport(Library, EntryPoint = "tc_profile_report")]
    internal static unsafe partial int ProfileReport(byte* buffer, int capacity);

    [LibraryImport(Library, EntryPoint = "tc_tensor_from_data")]
    internal static unsafe partial IntPtr TensorFromData(void* data, long* shape, int ndim, int dtype);

    [LibraryImport(Library, EntryPoint = "tc_tensor_from_blob_to", StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial IntPtr TensorFromBlobTo(void* data, long* shape, int ndim, int srcDType, int dstDType, string device);

    [LibraryImport(Library, EntryPoint = "tc_tensor_free")]
    internal static partial void TensorFree(IntPtr tensor);

    [LibraryImport(Library, EntryPoint = "tc_tensor_ndim")]
    internal static partial int TensorNDim(IntPtr tensor);

    [LibraryImport(Library, EntryPoint = "tc_tensor_shape")]
    internal static unsafe partial int TensorShape(IntPtr tensor, long* shapeOut, int capacity);

    [LibraryImport(Library, EntryPoint = "tc_tensor_dtype")]
    internal static partial int TensorDType(IntPtr tensor);

    [LibraryImport(Library, EntryPoint = "tc_tensor_device")]
    internal static unsafe partial int TensorDevice(IntPtr tensor, byte* buffer, int capacity);

    [LibraryImport(Library, EntryPoint = "tc_tensor_copy_to")]
    internal static unsafe partial int TensorCopyTo(IntPtr tensor, void* dest, long destBytes);

    [LibraryImport(Library, EntryPoint = "tc_tensor_to", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr TensorTo(IntPtr tensor, int dtype, string? device);

    [LibraryImport(Library, EntryPoint = "tc_tensor_matmul")]
    internal static partial IntPtr TensorMatmul(IntPtr a, IntPtr b);

    [LibraryImport(Library, EntryPoint = "tc_device_check", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DeviceCheck(string device);

    [LibraryImport(Library, EntryPoint = "tc_memory_configure")]
    internal static partial int MemoryConfigure();

    [LibraryImport(Library, EntryPoint = "tc_memory_trim")]
    internal static partial int MemoryTrim();

    [LibraryImport(Library, EntryPoint = "tc_set_num_threads")]
    internal static partial void SetNumThreads(int n);

    [LibraryImport(Library, EntryPoint = "tc_get_num_threads")]
    internal static partial int GetNumThreads();
}
