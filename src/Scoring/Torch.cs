using System.Globalization;
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

    private static int _threadsChosen;
    private static int _memoryConfigured;
    private static bool _keepMallocDefaults;

    /// <summary>
    /// Intra-op threads libtorch uses. Defaults to the number of cores available to this process once a model is
    /// loaded (Debian's libtorch 1.13 starts with 1 in a .NET host); setting it overrides that default.
    /// </summary>
    public static int NumThreads
    {
        get => NativeMethods.GetNumThreads();
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Interlocked.Exchange(ref _threadsChosen, 1);
            NativeMethods.SetNumThreads(value);
        }
    }

    /// <summary>Applies the default thread count (one per core) unless <see cref="NumThreads"/> was set.</summary>
    public static void ApplyDefaultThreads()
    {
        if (Interlocked.CompareExchange(ref _threadsChosen, 1, 0) == 0)
        {
            NativeMethods.SetNumThreads(Environment.ProcessorCount);
        }
    }

    /// <summary>
    /// Whether CPU float32 ops use the shim's fused kernels (default true); false runs plain ATen ops, the
    /// reference the fused kernels are benchmarked against. Results agree within float32 rounding either way.
    /// </summary>
    public static bool FusedKernels
    {
        get => NativeMethods.NnGetFused() != 0;
        set => NativeMethods.NnSetFused(value ? 1 : 0);
    }

    /// <summary>Starts timing every native op (wall time per export, summed over calls); for benchmarks.</summary>
    public static void StartProfiling() => NativeMethods.ProfileEnable(1);

    /// <summary>Stops timing and returns the time per native op since <see cref="StartProfiling"/>.</summary>
    public static unsafe IReadOnlyList<OpTiming> StopProfiling()
    {
        NativeMethods.ProfileEnable(0);
        var length = NativeMethods.ProfileReport(null, 0);
        var buffer = new byte[length + 1];
        fixed (byte* b = buffer)
        {
            NativeMethods.ProfileReport(b, buffer.Length);
        }

        var result = new List<OpTiming>();
        foreach (var line in System.Text.Encoding.UTF8.GetString(buffer, 0, length).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('\t');
            result.Add(new OpTiming(parts[0], long.Parse(parts[1], CultureInfo.InvariantCulture), double.Parse(parts[2], CultureInfo.InvariantCulture)));
        }

        return result;
    }

    /// <summary>
    /// Once per process: glibc malloc settings that keep RSS flat over many scoring calls of varying sizes
    /// (a fixed 32 MiB mmap threshold, two arenas). Called by <see cref="Models.CausalLm.Load"/>.
    /// </summary>
    /// <remarks>
    /// <c>TOKENCLEAN_NATIVE_MEMORY=default</c> leaves glibc's defaults alone and skips the trim after each call (for
    /// comparisons, or when another allocator is preloaded).
    /// </remarks>
    internal static void ConfigureMemory()
    {
        if (Interlocked.Exchange(ref _memoryConfigured, 1) == 0)
        {
            _keepMallocDefaults = string.Equals(Environment.GetEnvironmentVariable("TOKENCLEAN_NATIVE_MEMORY"), "default", StringComparison.OrdinalIgnoreCase);
            if (!_keepMallocDefaults)
            {
                NativeMethods.MemoryConfigure();
            }
        }
    }

    /// <summary>Returns the native heap's free memory to the OS (glibc malloc_trim); called after each scoring call.</summary>
    internal static void ReleaseFreeMemory()
    {
        if (!_keepMallocDefaults)
        {
            NativeMethods.MemoryTrim();
        }
    }

    /// <summary>Throws a <see cref="TorchException"/> naming the reason when <paramref name="device"/> is unusable.</summary>
    public static void CheckDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        TorchException.ThrowIfFailed(NativeMethods.DeviceCheck(device));
    }
}
