using System.Diagnostics;

namespace TokenClean.Service.Tests.Cli;

/// <summary>
/// <c>tokenclean info</c> as a child process, the way an operator runs it: it names librdkafka 2.16 and the file it
/// was loaded from (the redist package's, next to the program), and a bad <c>TOKENCLEAN_LIBRDKAFKA</c> is a clear error.
/// </summary>
public sealed class InfoCommandTests
{
    [Fact]
    public void Info_NamesLibrdkafka_2_16_FromTheProgramsFolder()
    {
        var (exit, stdout, stderr) = Run();

        Assert.True(exit == 0, stderr);
        var line = stdout.Split('\n').Single(l => l.StartsWith("librdkafka", StringComparison.Ordinal));
        Assert.Matches(@"^librdkafka\s+2\.16\.\d+ \(", line);
        Assert.Contains(Path.GetFullPath(AppContext.BaseDirectory), line, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_NamesTheCpuAttentionPath_AndTheSwitchThatTurnsTheKernelOff()
    {
        var (exit, stdout, stderr) = Run();
        var (exitOff, stdoutOff, stderrOff) = Run(("TOKENCLEAN_ATTENTION", "sdpa"));

        Assert.True(exit == 0, stderr);
        Assert.True(exitOff == 0, stderrOff);
        string Line(string output) => output.Split('\n').Single(l => l.StartsWith("attention", StringComparison.Ordinal));
        var expected = System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported ? "tokenclean causal kernel" : "no AVX2/FMA";
        Assert.Contains(expected, Line(stdout), StringComparison.Ordinal);
        Assert.Contains("scaled_dot_product_attention (TOKENCLEAN_ATTENTION=sdpa)", Line(stdoutOff), StringComparison.Ordinal);

        // bf16 goes widened to the kernel exactly where the CPU has no bf16 units (Bf16Products), and says so.
        var widened = expected == "tokenclean causal kernel" && TokenClean.Scoring.Kernels.Bf16Products.Enabled;
        Assert.Equal(widened, Line(stdout).Contains("bf16 widened to fp32 for it (no bf16 units here)", StringComparison.Ordinal));
        Assert.DoesNotContain("bf16 widened", Line(stdoutOff), StringComparison.Ordinal);
    }

    [Fact]
    public void Info_NamesTheCpuKernels_AndTheSwitchThatTurnsThemAllOff()
    {
        var (exit, stdout, stderr) = Run();
        var (exitOff, stdoutOff, stderrOff) = Run(("TOKENCLEAN_CPU_KERNELS", "off"));

        Assert.True(exit == 0, stderr);
        Assert.True(exitOff == 0, stderrOff);
        string Line(string output, string name) => output.Split('\n').Single(l => l.StartsWith(name, StringComparison.Ordinal));
        var supported = System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;
        Assert.Contains(supported ? "RMSNorm and rotary embedding" : "no AVX2/FMA", Line(stdout, "kernels"), StringComparison.Ordinal);
        Assert.Contains(supported ? "libtorch ops only (TOKENCLEAN_CPU_KERNELS=off)" : "no AVX2/FMA", Line(stdoutOff, "kernels"), StringComparison.Ordinal);
        Assert.Contains(supported ? "(TOKENCLEAN_CPU_KERNELS=off)" : "no AVX2/FMA", Line(stdoutOff, "attention"), StringComparison.Ordinal);
        var bf16Slow = TokenClean.Scoring.Torch.SlowerThanFp32Reason("cpu", TokenClean.Scoring.DType.BFloat16) is not null;
        Assert.Equal(bf16Slow, Line(stdoutOff, "device      cpu").Contains("bf16 (no bf16 units here: libtorch's bf16 fallback, 5x slower than fp32)", StringComparison.Ordinal));
    }

    [Fact]
    public void Info_ListsTheCpusDTypes_AndSaysWhenBf16HasNoUnitsHere()
    {
        var (exit, stdout, stderr) = Run();

        Assert.True(exit == 0, stderr);
        var line = stdout.Split('\n').Single(l => l.StartsWith("device      cpu:", StringComparison.Ordinal));
        var slow = TokenClean.Scoring.Torch.SlowerThanFp32Reason("cpu", TokenClean.Scoring.DType.BFloat16) is not null;
        Assert.StartsWith(slow ? "device      cpu: fp32, bf16 (no bf16 units here: products through fp32, slower than fp32)" : "device      cpu: fp32, bf16", line, StringComparison.Ordinal);
        Assert.Equal(slow, line.Contains("slower than fp32", StringComparison.Ordinal));
    }

    [Fact]
    public void Info_OverrideThatDoesNotLoad_ExitsOneNamingTheVariable()
    {
        var (exit, _, stderr) = Run(("TOKENCLEAN_LIBRDKAFKA", "/nonexistent/librdkafka.so"));

        Assert.Equal(1, exit);
        Assert.Contains("TOKENCLEAN_LIBRDKAFKA=/nonexistent/librdkafka.so does not load", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_OverrideOlderThan_2_16_IsRefused()
    {
        // Debian 12's librdkafka (2.0.2), where kcat's dependency put it; elsewhere there is nothing older to try.
        const string debian = "/usr/lib/x86_64-linux-gnu/librdkafka.so.1";
        if (!File.Exists(debian))
        {
            return;
        }

        var (exit, _, stderr) = Run(("TOKENCLEAN_LIBRDKAFKA", debian));

        Assert.Equal(1, exit);
        Assert.Contains("tokenclean needs 2.16.0 or newer (chosen by TOKENCLEAN_LIBRDKAFKA)", stderr, StringComparison.Ordinal);
    }

    private static (int Exit, string Stdout, string Stderr) Run(params (string Key, string Value)[] environment)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tokenclean.dll"));
        psi.ArgumentList.Add("info");
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), "info did not finish within 60 s");
        return (p.ExitCode, output, err.Result);
    }
}
