using System.Diagnostics;
using System.Globalization;
using TokenClean.Scoring;

namespace TokenClean.Bench;

/// <summary>fp32 matmul rate of this machine through the shim: the denominator of the scorer's FLOPs utilisation.</summary>
internal static class MatmulBench
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
        var data = new float[n * n];
        var rng = new Random(1);
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)rng.NextDouble();
        }

        using var a = Tensor.FromArray(data, n, n);
        using (a.MatMul(a))
        {
            // warm-up
        }

        var reps = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(3))
        {
            using var c = a.MatMul(a);
            reps++;
        }

        var gflops = 2.0 * n * n * n * reps / sw.Elapsed.TotalSeconds / 1e9;
        Console.WriteLine(FormattableString.Invariant($"matmul fp32 {n}x{n}x{n}: {gflops:F1} GFLOP/s ({reps} reps, libtorch {Torch.Version}, {Environment.ProcessorCount} cores)"));
        return 0;
    }
}
