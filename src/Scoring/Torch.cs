using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using TorchSharp;

namespace TokenClean.Scoring;

/// <summary>
/// Process-wide facts about the loaded libtorch (TorchSharp's CPU package): loading with a clear error, threads,
/// devices and dtypes, and the live-tensor count the tests use.
/// </summary>
public static class Torch
{
    private static readonly Lock LoadGate = new();
    private static bool _loaded;
    private static int _threadsChosen;

    /// <summary>The TorchSharp package version, e.g. "0.107.0".</summary>
    public static string TorchSharpVersion
    {
        get
        {
            var info = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            return info?.Split('+')[0] ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        }
    }

    /// <summary>The libtorch version TorchSharp runs on, e.g. "2.10.0".</summary>
    public static string Version
    {
        get
        {
            EnsureLoaded();
            var v = torch.__version__;
            return v.EndsWith(".0.0", StringComparison.Ordinal) && v.Count(c => c == '.') == 3 ? v[..^2] : v;
        }
    }

    /// <summary>
    /// Tensors created and not yet freed on the calling thread (TorchSharp counts per thread): tests assert it returns
    /// to its starting value after load + score + dispose on one thread.
    /// </summary>
    public static long LiveTensors => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;

    /// <summary>
    /// Parameter tensors held by loaded, not yet disposed models, process-wide (models load and die on any thread;
    /// <see cref="LiveTensors"/> counts per thread): tests check that every model is disposed exactly once.
    /// </summary>
    public static long ModelTensors => Interlocked.Read(ref _modelTensors);

    private static long _modelTensors;

    private static IReadOnlySet<string>? _cpuFlags;

    internal static void CountModelTensors(long delta) => Interlocked.Add(ref _modelTensors, delta);

    /// <summary>
    /// Loads libtorch once. Throws <see cref="TorchException"/> naming the real reason when the native library cannot be
    /// loaded (TorchSharp's own message blames a missing package reference whatever the cause).
    /// </summary>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref _loaded))
        {
            return;
        }

        lock (LoadGate)
        {
            if (_loaded)
            {
                return;
            }

            OpenMpWaitPolicy.PreferPassive();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new TorchException(DescribeLoadFailure(e), e);
            }

            Volatile.Write(ref _loaded, true);
        }
    }

    /// <summary>
    /// Intra-op threads libtorch uses. Defaults to the number of cores available to this process once a model is
    /// loaded; setting it overrides that default.
    /// </summary>
    public static int NumThreads
    {
        get
        {
            EnsureLoaded();
            return torch.get_num_threads();
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            EnsureLoaded();
            Interlocked.Exchange(ref _threadsChosen, 1);
            torch.set_num_threads(value);
        }
    }

    /// <summary>
    /// Applies the default thread count unless <see cref="NumThreads"/> was set: <c>OMP_NUM_THREADS</c> when it is
    /// a positive integer (as PyTorch does), otherwise one per core available to this process.
    /// </summary>
    public static void ApplyDefaultThreads()
    {
        EnsureLoaded();
        if (Interlocked.CompareExchange(ref _threadsChosen, 1, 0) == 0)
        {
            torch.set_num_threads(DefaultThreads(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), Environment.ProcessorCount));
        }
    }

    /// <summary>The default intra-op thread count: <paramref name="ompNumThreads"/> when it is a positive integer, else <paramref name="cores"/>.</summary>
    public static int DefaultThreads(string? ompNumThreads, int cores) =>
        int.TryParse(ompNumThreads, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : cores;

    /// <summary>Devices this process can compute on: "cpu", then "cuda:N" for each visible GPU (CUDA package only).</summary>
    public static IReadOnlyList<string> Devices()
    {
        EnsureLoaded();
        var devices = new List<string> { "cpu" };
        if (torch.cuda.is_available())
        {
            for (var i = 0; i < torch.cuda.device_count(); i++)
            {
                devices.Add($"cuda:{i}");
            }
        }

        return devices;
    }

    /// <summary>Compute dtypes a device supports: fp32 and bf16 everywhere, fp16 on CUDA and on CPUs with AVX-512 FP16 or AMX-FP16.</summary>
    public static IReadOnlyList<DType> ComputeDTypes(string device) => ComputeDTypes(device, CpuFlags());

    /// <summary><see cref="ComputeDTypes(string)"/> for a CPU with <paramref name="cpuFlags"/> (/proc/cpuinfo's names).</summary>
    internal static IReadOnlyList<DType> ComputeDTypes(string device, IReadOnlySet<string> cpuFlags)
    {
        ArgumentNullException.ThrowIfNull(device);
        var list = new List<DType> { DType.Float32, DType.BFloat16 };
        if (IsCuda(device) || cpuFlags.Overlaps(["avx512_fp16", "amx_fp16"]))
        {
            list.Add(DType.Float16);
        }

        return list;
    }

    /// <summary>
    /// Throws a <see cref="TorchException"/> naming what <paramref name="device"/> supports when <paramref name="dtype"/>
    /// is not one of its <see cref="ComputeDTypes(string)"/> (fp16 on a CPU without fp16 units).
    /// </summary>
    public static void CheckDType(string device, DType dtype)
    {
        var supported = ComputeDTypes(device);
        if (!supported.Contains(dtype))
        {
            throw new TorchException($"{dtype.ShortName()} is not supported on {device}{(IsCuda(device) ? "" : " (this CPU has no AVX512-FP16 or AMX-FP16)")}; supported: {string.Join(", ", supported.Select(d => d.ShortName()))}");
        }
    }

    /// <summary>
    /// Why computing in <paramref name="dtype"/> on <paramref name="device"/> is slower than fp32 there, or null when the
    /// device has units for it: bf16 on a CPU without AVX512-BF16 or AMX-BF16, whose products then run as fp32 ones
    /// (<see cref="Kernels.Bf16Products"/>: 0.96× fp32's speed when scoring on the bench VM), or, with
    /// <c>TOKENCLEAN_CPU_KERNELS=off</c>, on libtorch's bf16 fallback (5× slower than fp32). Commands print it as a warning.
    /// </summary>
    public static string? SlowerThanFp32Reason(string device, DType dtype) => SlowerThanFp32Reason(device, dtype, CpuFlags(), Kernels.Bf16Products.Enabled);

    /// <summary><see cref="SlowerThanFp32Reason(string, DType)"/> for a CPU with <paramref name="cpuFlags"/>.</summary>
    internal static string? SlowerThanFp32Reason(string device, DType dtype, IReadOnlySet<string> cpuFlags, bool throughFp32 = true)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (IsCuda(device) || dtype != DType.BFloat16 || HasBf16Units(cpuFlags))
        {
            return null;
        }

        return "bf16 on this CPU is slower than fp32: it has no bf16 units (AVX512-BF16 or AMX-BF16), so " + (throughFp32
            ? "its matrix products run as fp32 ones rounded to bf16 (on the bench VM 0.96x fp32's speed when scoring, 0.6-0.7x when training; docs/SCORING.md); here bf16 only halves the models' memory, and fp32 is exact"
            : "its matrix products run on libtorch's bf16 fallback (on the bench VM 5x slower than fp32 when scoring, ~50x when training; TOKENCLEAN_CPU_KERNELS=off turned the fp32 route off)");
    }

    /// <summary>The CPU's vector/matrix extensions libtorch's kernels (ATen, oneDNN, MKL) can use on this machine.</summary>
    public static IReadOnlyList<string> CpuFeatures()
    {
        string[] interesting = ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8", "amx_fp16"];
        var flags = CpuFlags();
        return interesting.Where(flags.Contains).ToList();
    }

    /// <summary>What scoring on the CPU runs for attention (fp32, and bf16 without bf16 units): the C# kernel, or libtorch's and why.</summary>
    public static string CpuAttention() => Kernels.CausalAttentionKernel.Describe();

    /// <summary>Which C# kernels fp32 scoring on the CPU runs in place of libtorch ops, or why none.</summary>
    public static string CpuKernels() => Kernels.CpuKernels.Describe();

    /// <summary>ATen's CPU kernel level for this machine (what its dispatch picks: AVX512, AVX2 or DEFAULT).</summary>
    public static string CpuCapability()
    {
        var forced = Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY");
        if (!string.IsNullOrEmpty(forced))
        {
            return forced.ToUpperInvariant() + " (ATEN_CPU_CAPABILITY)";
        }

        var flags = CpuFlags();
        return flags.IsSupersetOf(["avx512f", "avx512bw", "avx512vl", "avx512dq"]) ? "AVX512" : flags.Contains("avx2") ? "AVX2" : "DEFAULT";
    }

    /// <summary>Throws a <see cref="TorchException"/> naming the reason when <paramref name="device"/> is unusable.</summary>
    public static void CheckDevice(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        EnsureLoaded();
        if (device == "cpu")
        {
            return;
        }

        if (device == "cuda" || (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            if (!torch.cuda.is_available())
            {
                throw new TorchException($"device '{device}': CUDA is not available (this build runs TorchSharp's CPU libtorch; a GPU host builds with -p:TorchSharpRuntime=cuda, see docs/SCORING.md)");
            }

            var index = device == "cuda" ? 0 : int.Parse(device.AsSpan(5), CultureInfo.InvariantCulture);
            if (index >= torch.cuda.device_count())
            {
                throw new TorchException($"device '{device}': only {torch.cuda.device_count()} CUDA device(s) are visible");
            }

            return;
        }

        throw new TorchException($"'{device}' is not a device: use cpu, cuda or cuda:N");
    }

    /// <summary>Whether this CPU has bf16 units (AVX512-BF16 or AMX-BF16).</summary>
    internal static bool CpuHasBf16Units { get; } = HasBf16Units(CpuFlags());

    private static bool HasBf16Units(IReadOnlySet<string> cpuFlags) => cpuFlags.Overlaps(["avx512_bf16", "amx_bf16"]);

    private static bool IsCuda(string device) => device.StartsWith("cuda", StringComparison.Ordinal);

    internal static torch.Device ToDevice(string device) => device == "cpu" ? torch.CPU : torch.device(device);

    /// <summary>/proc/cpuinfo's flags, read once (they do not change while the process runs).</summary>
    private static IReadOnlySet<string> CpuFlags() => _cpuFlags ??= ReadCpuFlags();

    private static HashSet<string> ReadCpuFlags()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("flags", StringComparison.Ordinal))
                {
                    set.UnionWith(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    break;
                }
            }
        }
        catch (IOException)
        {
        }

        return set;
    }

    private static string DescribeLoadFailure(Exception e)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        var lib = Path.Combine(dir, "libLibTorchSharp.so");
        if (!File.Exists(lib))
        {
            lib = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        }

        if (!File.Exists(lib))
        {
            return $"libtorch could not be loaded: libLibTorchSharp.so is not in {dir} (is the TorchSharp + libtorch-cpu-linux-x64 package pair referenced and copied?). TorchSharp said: {e.Message}";
        }

        var missing = Ldd(lib);
        return missing.Length > 0
            ? $"libtorch could not be loaded: the dynamic loader rejects {lib}: {missing} (ldd). If it names GLIBCXX_3.4.32, the build's WeakenElfVersionNeeds step did not run on this copy (Directory.Build.targets, docs/SCORING.md)."
            : $"libtorch could not be loaded from {lib} (ldd finds every dependency; TorchSharp said: {e.Message})";
    }

    private static string Ldd(string lib)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("ldd", [lib]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null)
            {
                return "";
            }

            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit(10_000);
            return string.Join("; ", output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("not found", StringComparison.Ordinal) && !l.Contains("weak version", StringComparison.Ordinal)));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}
