using System.Runtime.InteropServices;

namespace TokenClean.Scoring.Native;

/// <summary>A failure reported by libtorch through the shim, carrying the native message.</summary>
public sealed class TorchException : Exception
{
    public TorchException(string message) : base(message) { }

    public TorchException(string message, Exception inner) : base(message, inner) { }

    public TorchException() : base("libtorch call failed") { }

    internal static string LastMessage()
    {
        var ptr = NativeMethods.LastError();
        return ptr == IntPtr.Zero ? "libtorch call failed without a message" : Marshal.PtrToStringUTF8(ptr)!;
    }

    internal static IntPtr ThrowIfNull(IntPtr handle) =>
        handle != IntPtr.Zero ? handle : throw new TorchException(LastMessage());

    internal static int ThrowIfFailed(int result) =>
        result >= 0 ? result : throw new TorchException(LastMessage());
}
