using TokenClean.Scoring;

namespace TokenClean.Cli;

/// <summary>
/// The warning a command prints before it computes in a dtype this machine has no units for (bf16 on a CPU without
/// AVX512-BF16 or AMX-BF16): the run goes on, since the results are valid, but the user asked for speed and gets less.
/// </summary>
internal static class DTypeWarning
{
    public static void WriteIfSlow(TextWriter err, string device, DType dtype)
    {
        if (Torch.SlowerThanFp32Reason(device, dtype) is { } reason)
        {
            err.WriteLine($"warning: {reason}");
        }
    }
}
