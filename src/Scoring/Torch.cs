using System.Runtime.InteropServices;
using TokenClean.Scoring.Native;

namespace TokenClean.Scoring;

/// <summary>Process-wide facts about the loaded libtorch.</summary>
public static class Torch
{
    /// <summary>Tensor handles created and not yet freed; tests assert this returns to its starting value.</summary>
    public static long LiveHandles => NativeMethods.LiveHandles();

    /// <summary>The libtorch version the shim was compiled against, e.g. "1.13.1".</summary>
    public static string Version => Marshal.PtrToStringUTF8(NativeMethods.TorchVersion()) ?? "unknown";

    /// <summary>Intra-op threads libtorch uses (its default is the number of cores).</summary>
    public static int NumThreads
    {
        get => NativeMethods.GetNumThreads();
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            NativeMethods.SetNumThreads(value);
        }
    }

    /// <summary>Throws a <see cref="TorchException"/> naming the reason when <paramref name="device"/> is unusable.</summary>
    public static void CheckDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        TorchException.ThrowIfFailed(NativeMethods.DeviceCheck(device));
    }
}
