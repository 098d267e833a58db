using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Kernels;

/// <summary>
/// bf16 matrix products on a CPU without bf16 units (no AVX512-BF16 or AMX-BF16): the operands widened to fp32
/// (exact), one fp32 GEMM, the result rounded to bf16 once. That is what bf16 units compute (products accumulated in
/// fp32, the output rounded once), at the fp32 GEMM's speed: libtorch's own bf16 GEMM on such a CPU is a fallback
/// loop (x [4096, 512] · W [1536, 512]ᵀ on the bench VM: 587 ms, against 97 ms in fp32 and 98 ms this way).
/// Autograd flows through it (the widening is differentiable), so bf16 training gets the same speed-up.
/// Off with <c>TOKENCLEAN_CPU_KERNELS=off</c>, like the C# kernels, for comparisons.
/// </summary>
public static class Bf16Products
{
    /// <summary>fp32 rows of the LM head widened at a time (<see cref="HeadLogits"/>): 32 MiB.</summary>
    internal const long HeadBlockBytes = 32L << 20;

    /// <summary>This CPU has no bf16 units and the switch is not off.</summary>
    public static bool Enabled { get; } = !Torch.CpuHasBf16Units && !CpuKernels.TurnedOff;

    /// <summary>Whether a product with <paramref name="x"/> goes through fp32: enabled, bf16, on the CPU.</summary>
    public static bool Applies(Tensor x) => Enabled && x.device_type == DeviceType.CPU && x.dtype == ScalarType.BFloat16;

    /// <summary>y = x Wᵀ + b, as <c>nn.functional.linear</c>.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (!Applies(x))
        {
            return nn.functional.linear(x, weight, bias);
        }

        using var scope = NewDisposeScope();
        var wide = nn.functional.linear(x.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias?.to(ScalarType.Float32));
        return wide.to(ScalarType.BFloat16).MoveToOuterDisposeScope();
    }

    /// <summary>y = b + x W (GPT-2's Conv1D, W [in, out]), as <c>torch.addmm(b, x, W)</c>.</summary>
    public static Tensor Addmm(Tensor bias, Tensor x, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (!Applies(x))
        {
            return addmm(bias, x, weight, 1, 1);
        }

        using var scope = NewDisposeScope();
        var wide = addmm(bias.to(ScalarType.Float32), x.to(ScalarType.Float32), weight.to(ScalarType.Float32), 1, 1);
        return wide.to(ScalarType.BFloat16).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scoring's LM head for bf16 <paramref name="hidden"/> rows [n, hidden]: writes the logits, rounded to bf16 as
    /// bf16 units would leave them, into the fp32 buffer <paramref name="logits"/> [n, vocab] (what the per-token loss
    /// reads next). The head [vocab, hidden] is widened a block of rows at a time (<see cref="HeadBlockBytes"/>), so
    /// a 128k-vocabulary head never has a whole fp32 copy, and each block's logits are rounded in place. No autograd.
    /// </summary>
    internal static void HeadLogits(Tensor logits, Tensor hidden, Tensor head, long blockBytes = HeadBlockBytes)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(head);
        using var scope = NewDisposeScope();
        long vocab = head.shape[0], width = head.shape[1];
        var block = Math.Max(1, blockBytes / (4 * width));
        var wideHidden = hidden.to(ScalarType.Float32);
        for (long start = 0; start < vocab; start += block)
        {
            using var blockScope = NewDisposeScope();
            var rows = Math.Min(block, vocab - start);
            var part = logits.narrow(1, start, rows);
            part.addmm_(wideHidden, head.narrow(0, start, rows).to(ScalarType.Float32).t(), 0, 1); // beta 0: old contents ignored
            part.copy_(part.to(ScalarType.BFloat16)); // rounded block by block: no [n, vocab] temporary
        }
    }
}
