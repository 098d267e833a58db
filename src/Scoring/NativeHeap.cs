using System.Runtime.InteropServices;

namespace TokenClean.Scoring;

/// <summary>
/// glibc malloc settings that keep RSS flat over many scoring calls of varying sizes (libtorch's CPU allocator is
/// malloc): a fixed 32 MiB mmap threshold, two arenas, and the free pages handed back after each call.
/// <c>TOKENCLEAN_NATIVE_MEMORY=default</c> leaves glibc's defaults alone (for comparisons, or another allocator).
/// </summary>
internal static partial class NativeHeap
{
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int ArenaMax = -8; // M_ARENA_MAX
    private static int _configured;
    private static bool _keepDefaults;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) != 0)
        {
            return;
        }

        _keepDefaults = !OperatingSystem.IsLinux()
            || string.Equals(Environment.GetEnvironmentVariable("TOKENCLEAN_NATIVE_MEMORY"), "default", StringComparison.OrdinalIgnoreCase);
        if (!_keepDefaults)
        {
            try
            {
                _ = MallOpt(MmapThreshold, 32 << 20);
                _ = MallOpt(ArenaMax, 2);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                _keepDefaults = true; // not glibc (musl): nothing to tune
            }
        }
    }

    public static void Trim()
    {
        if (!_keepDefaults && Volatile.Read(ref _configured) != 0)
        {
            _ = MallocTrim(0);
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
