using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Kernels;

/// <summary>
/// The address of a CPU tensor's first element, for the C# kernels that read libtorch's memory in place.
/// TorchSharp 0.107 exposes no data pointer; LibTorchSharp's THSTensor_data returns at::Tensor::data_ptr() (the
/// storage offset included). The caller keeps the tensor alive while it uses the address.
/// </summary>
internal static unsafe partial class TensorMemory
{
    /// <summary>The float32 elements of <paramref name="t"/>, which must be a float32 tensor on the CPU.</summary>
    public static float* Floats(Tensor t)
    {
        if (t.device_type != DeviceType.CPU || t.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"expected a float32 CPU tensor, got {t.dtype} on {t.device}", nameof(t));
        }

        return (float*)Data(t.Handle);
    }

    [LibraryImport("LibTorchSharp", EntryPoint = "THSTensor_data")]
    private static partial IntPtr Data(IntPtr tensor);
}
