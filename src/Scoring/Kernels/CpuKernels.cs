using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Kernels;

/// <summary>
/// When the C# CPU kernels of this folder run in place of libtorch ops: fp32 tensors on an AVX2/FMA CPU for which no
/// gradient is recorded (scoring; a training forward keeps libtorch's autograd ops). <c>TOKENCLEAN_CPU_KERNELS=off</c> turns them all off,
/// for comparisons; <c>TOKENCLEAN_ATTENTION=sdpa</c> turns off the attention kernel alone.
/// </summary>
internal static class CpuKernels
{
    /// <summary>Whether this CPU can run the kernels (AVX2 and FMA).</summary>
    public static bool Supported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary><c>TOKENCLEAN_CPU_KERNELS=off</c>: libtorch's ops only, for comparisons (also turns off <see cref="Bf16Products"/>).</summary>
    public static bool TurnedOff { get; } =
        string.Equals(Environment.GetEnvironmentVariable("TOKENCLEAN_CPU_KERNELS"), "off", StringComparison.OrdinalIgnoreCase);

    /// <summary>Supported, and not <see cref="TurnedOff"/>.</summary>
    public static bool Enabled { get; } = Supported && !TurnedOff;

    /// <summary>Which kernels fp32 CPU scoring runs, or why none (for <c>tokenclean info</c>).</summary>
    public static string Describe() =>
        !Supported ? "libtorch ops only (this CPU has no AVX2/FMA)"
        : !Enabled ? "libtorch ops only (TOKENCLEAN_CPU_KERNELS=off)"
        : "tokenclean C# kernels for attention, per-token loss, RMSNorm and rotary embedding (AVX2, FMA)";

    /// <summary>The threads a kernel call may use: libtorch's intra-op thread count.</summary>
    public static int Threads => Math.Max(1, torch.get_num_threads());

    /// <summary>
    /// Whether the kernels may take <paramref name="t"/>: enabled, fp32, on the CPU, and no gradient recorded for it
    /// (it does not require one, or autograd is off, as in scoring: a model being trained scores with the kernels
    /// too, so its losses equal those of the same weights reloaded).
    /// </summary>
    public static bool Take(Tensor t) =>
        Enabled && t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && NoGradientRecorded(t);

    /// <summary>No gradient is recorded for <paramref name="t"/>: it requires none, or autograd is off.</summary>
    public static bool NoGradientRecorded(Tensor t) => !t.requires_grad || !torch.is_grad_enabled();

    /// <summary>Items of at most <paramref name="rowsPerItem"/> rows covering <paramref name="rows"/> rows.</summary>
    public static int Items(long rows, int rowsPerItem) => (int)((rows + rowsPerItem - 1) / rowsPerItem);
}
