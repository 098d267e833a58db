using System.Text.Json;
using TokenClean.Scoring.Kernels;
using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Support;

/// <summary>
/// The test assembly's entry point, used only when a test starts this assembly as a child process. The C# kernels'
/// switch (<c>TOKENCLEAN_CPU_KERNELS</c>) is read once per process, so scoring on libtorch's ops alone, the path of
/// GPU hosts and of CPUs without AVX2, needs a process of its own:
/// <c>dotnet TokenClean.Scoring.Tests.dll losses MODEL_DIR auto|packed|padded fp32|bf16</c> reads token sequences
/// (a JSON array of arrays) on stdin and prints <c>{"kernels": bool, "losses": [[…]], "alone": [[…]]}</c>: the
/// sequences scored in one call, then each in a call of its own; NaN as null.
/// </summary>
public static class ChildProgram
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is ["losses", var model, var mode, var dtype])
        {
            var sequences = JsonSerializer.Deserialize<int[][]>(Console.In.ReadToEnd())
                ?? throw new InvalidDataException("expected a JSON array of token sequences on stdin");
            var options = new ScoringOptions { BatchMode = Enum.Parse<BatchMode>(mode, ignoreCase: true) };
            using var lm = CausalLm.Load(model, dtype: dtype == "bf16" ? DType.BFloat16 : DType.Float32, options: options);
            static double?[][] Json(IEnumerable<float[]> rows) =>
                rows.Select(row => row.Select(v => float.IsNaN(v) ? (double?)null : v).ToArray()).ToArray();
            var losses = Json(lm.TokenLosses(sequences));
            var alone = Json(sequences.Select(s => lm.TokenLosses([s])[0]));
            Console.WriteLine(JsonSerializer.Serialize(new { kernels = CpuKernels.Enabled, losses, alone }));
            return 0;
        }

        Console.Error.WriteLine("this is a test assembly: run it with dotnet test");
        return 2;
    }

    /// <summary>
    /// Per-token losses of <paramref name="sequences"/> scored by a child process with <paramref name="environment"/>,
    /// in one call (Batched) and each alone (Alone); fails the test unless the child ran with the kernels as
    /// <paramref name="kernelsExpected"/> says.
    /// </summary>
    public static (double[][] Batched, double[][] Alone) Losses(
        string model, int[][] sequences, BatchMode mode, DType dtype, IReadOnlyDictionary<string, string?> environment, bool kernelsExpected)
    {
        var r = TokenClean.Tests.Shared.ChildProcess.Run(
            TokenClean.Tests.Shared.ChildProcess.Dotnet,
            [typeof(ChildProgram).Assembly.Location, "losses", model, mode.ToString(), dtype == DType.BFloat16 ? "bf16" : "fp32"],
            stdin: JsonSerializer.Serialize(sequences),
            timeout: TimeSpan.FromMinutes(2),
            environment: environment);
        Assert.True(r.ExitCode == 0, $"the scoring child exited {r.ExitCode}:\n{r.Stderr}");
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(kernelsExpected, doc.RootElement.GetProperty("kernels").GetBoolean());
        static double[][] Rows(JsonElement rows) => rows.EnumerateArray()
            .Select(row => row.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble()).ToArray())
            .ToArray();
        return (Rows(doc.RootElement.GetProperty("losses")), Rows(doc.RootElement.GetProperty("alone")));
    }
}
