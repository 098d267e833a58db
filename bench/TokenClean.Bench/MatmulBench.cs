using System.Globalization;
using TokenClean.Scoring;

namespace TokenClean.Bench;

/// <summary>matmul rate of this machine through libtorch (fp32 or the dtype given): the denominator of the scorer's FLOPs utilisation.</summary>
internal static class MatmulBench
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
        var dtype = args.Length > 1 ? DTypes.ParseCompute(args[1]) ?? throw new ArgumentException($"unknown dtype {args[1]}") : DType.Float32;
        Torch.ApplyDefaultThreads();
        var (rate, _) = ScoringBench.MatmulRate(n, TimeSpan.FromSeconds(3), dtype);
        var gflops = rate / 1e9;
        Console.WriteLine(FormattableString.Invariant($"matmul {dtype.ShortName()} {n}x{n}x{n}: {gflops:F1} GFLOP/s (libtorch {Torch.Version}, {Environment.ProcessorCount} cores)"));
        return 0;
    }
}
