using System.Diagnostics;
using System.Globalization;
using TokenClean.Embedded.Models;
using TokenClean.Scoring;
using TokenClean.Scoring.Kernels;
using TokenClean.Scoring.Models;
using TorchSharp;

namespace TokenClean.Bench;

/// <summary>
/// Scoring throughput of base + reference on a ~60M-parameter Llama-shaped model (CPU), as FLOP/s against this
/// machine's matmul rate in the same dtype measured in the same run; fp32 and bf16; packing (auto) vs padding only;
/// RSS over many batches. Usage: scoring [samples=32] [rssSamples=400] [rounds=2] [dtypes=fp32,bf16]; rounds 0
/// measures only the RSS. <c>scoring rss [samples=20000] [perCall=8] [dtype=fp32]</c>: RSS over many calls of a
/// small model (samples of 64–1024 tokens).
/// </summary>
internal static class ScoringBench
{
    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "rss")
        {
            return RssSoak(args[1..]);
        }

        var samples = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 32;
        var rssSamples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 400;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        var dtypes = (args.Length > 3 ? args[3] : "fp32,bf16").Split(',').Select(d => DTypes.ParseCompute(d) ?? throw new ArgumentException($"unknown dtype {d}")).ToArray();
        var root = Path.Combine(Path.GetTempPath(), "tc-bench-scoring");
        var baseDir = Path.Combine(root, "base");
        var refDir = Path.Combine(root, "ref");
        var recipe = new CheckpointRecipe { Variant = "llama", Hidden = 512, Layers = 8, Heads = 8, KvHeads = 8, Intermediate = 1408, Vocab = 32000, MaxPositions = 2048, Seed = 1 };
        if (!File.Exists(Path.Combine(refDir, "model.safetensors")))
        {
            var sw0 = Stopwatch.StartNew();
            RandomCheckpoint.Create(recipe, baseDir);
            RandomCheckpoint.Perturb(baseDir, refDir, 0.01, seed: 2);
            Console.WriteLine(FormattableString.Invariant($"created base + ref checkpoints in {sw0.Elapsed.TotalSeconds:F1} s"));
        }

        Torch.ApplyDefaultThreads();
        Console.WriteLine(FormattableString.Invariant($"TorchSharp {Torch.TorchSharpVersion}, libtorch {Torch.Version}, {Environment.ProcessorCount} cores, {Torch.NumThreads} intra-op threads, CPU {string.Join(' ', Torch.CpuFeatures())} (ATen {Torch.CpuCapability()})"));

        var rng = new Random(3);
        var batch = new int[samples][];
        for (var i = 0; i < samples; i++)
        {
            batch[i] = Tokens(rng, rng.Next(64, 1025), recipe.Vocab);
        }

        // The samples, for the plain-PyTorch peer (bench/pytorch/eager_scoring.py) and the old engine's bench.
        File.WriteAllText(Path.Combine(root, $"samples-{samples}.json"), System.Text.Json.JsonSerializer.Serialize(batch));
        using var auto = CausalLm.Load(baseDir);
        using var reference = CausalLm.Load(refDir);
        var cfg = auto.Config;
        // Matmul FLOPs per token: every projection + the LM head (the input embedding is a lookup, not a matmul).
        double matmulParams = auto.ParameterCount - ((double)cfg.VocabSize * cfg.HiddenSize);
        Console.WriteLine(FormattableString.Invariant($"model: {auto.ParameterCount / 1e6:F1}M parameters ({matmulParams / 1e6:F1}M in matmuls), {cfg.Describe()}"));

        auto.TokenLosses([batch[0][..128]]); // warm-up
        reference.TokenLosses([batch[0][..128]]);
        var paddedOpts = new ScoringOptions { BatchMode = BatchMode.Padded };
        using var basePadded = CausalLm.Load(baseDir, options: paddedOpts);
        using var refPadded = CausalLm.Load(refDir, options: paddedOpts);
        var lowPrecision = dtypes.Where(d => d != DType.Float32).Select(d => (d, CausalLm.Load(baseDir, dtype: d), CausalLm.Load(refDir, dtype: d))).ToList();
        foreach (var (_, b, r) in lowPrecision)
        {
            b.TokenLosses([batch[0][..128]]);
            r.TokenLosses([batch[0][..128]]);
        }

        // The build machines are shared: alternate the legs and measure the matmul rate (in the leg's dtype) between
        // them, so load that comes and goes biases neither the ratio to the matmul rate nor the comparison of legs.
        var threads = Torch.NumThreads;
        var legList = new List<(string Name, CausalLm Base, CausalLm Ref, DType DType, int Threads)>();
        if (dtypes.Contains(DType.Float32))
        {
            legList.Add(("fp32 auto", auto, reference, DType.Float32, threads));
            legList.Add(("fp32 padded only", basePadded, refPadded, DType.Float32, threads));
        }

        foreach (var (d, b, r) in lowPrecision)
        {
            legList.Add(($"{d.ShortName()} auto", b, r, d, threads));
        }

        var legs = legList.ToArray();
        var wall = new double[legs.Length];
        var cpu = new double[legs.Length];
        var matmulWall = new double[legs.Length];
        var matmulCpu = new double[legs.Length];
        double flops = 0;
        long tokens = 0;
        for (var round = 0; round < rounds; round++)
        {
            var line = new System.Text.StringBuilder(FormattableString.Invariant($"round {round}:"));
            for (var l = 0; l < legs.Length; l++)
            {
                var (before, beforeCpu) = MatmulRate(1024, TimeSpan.FromSeconds(1), legs[l].DType);
                Torch.NumThreads = legs[l].Threads;
                var (t, s1, c1, f) = Score(legs[l].Base, legs[l].Ref, batch, matmulParams);
                Torch.NumThreads = threads;
                var (after, afterCpu) = MatmulRate(1024, TimeSpan.FromSeconds(1), legs[l].DType);
                (tokens, flops) = (t, f);
                wall[l] += s1;
                cpu[l] += c1;
                matmulWall[l] += (before + after) / 2 * s1; // time-weighted: the matmul rate around this leg
                matmulCpu[l] += (beforeCpu + afterCpu) / 2 * c1;
                line.Append(FormattableString.Invariant($" | {legs[l].Name} {s1:F2} s ({f / s1 / 1e9:F1} GFLOP/s, {legs[l].DType.ShortName()} matmul {(before + after) / 2e9:F1})"));
            }

            Console.WriteLine(line.Append(FormattableString.Invariant($" GFLOP/s, load {LoadAverage()}")).ToString());
        }

        if (rounds == 0)
        {
            Rss(auto, reference, rssSamples, recipe.Vocab);
            return 0;
        }

        var attentionFlops = flops - (4.0 * matmulParams * tokens); // both models' causal attention
        var taskFlops = (4.0 * auto.ParameterCount * tokens) + attentionFlops;
        Console.WriteLine(FormattableString.Invariant($"{samples} samples, {tokens} tokens x 2 models, {rounds} rounds; engine FLOPs {flops / 1e9:F1} G per run (matmuls + causal attention), task formula {taskFlops / 1e9:F1} G (2 models x 2 x all params x tokens + attention)"));
        for (var l = 0; l < legs.Length; l++)
        {
            var matmul = matmulWall[l] / wall[l];
            var rate = flops * rounds / wall[l];
            var perCpu = flops * rounds / cpu[l];
            Console.WriteLine(FormattableString.Invariant($"{legs[l].Name}: {tokens * rounds / wall[l]:F0} tokens/s (each token through both models), {rate / 1e9:F1} GFLOP/s = {rate / matmul * 100:F1}% of the matmul rate around it ({matmul / 1e9:F1} GFLOP/s); task formula {taskFlops * rounds / wall[l] / matmul * 100:F1}%; per CPU-second {perCpu / (matmulCpu[l] / cpu[l]) * 100:F1}% of the matmul's"));
        }

        if (legs.Length > 1 && dtypes.Contains(DType.Float32))
        {
            Console.WriteLine(FormattableString.Invariant($"fp32 auto is {wall[1] / wall[0]:F2}x padding-only (wall time)"));
            for (var l = 2; l < legs.Length; l++)
            {
                Console.WriteLine(FormattableString.Invariant($"{legs[l].Name} is {wall[0] / wall[l]:F2}x fp32 auto (wall time)"));
            }

            Profile(auto, reference, batch);
            foreach (var (d, b, r) in lowPrecision)
            {
                Agreement(auto, reference, b, r, batch, d);
            }
        }

        foreach (var (_, b, r) in lowPrecision)
        {
            b.Dispose();
            r.Dispose();
        }

        // A call whose samples differ a lot in length (one long, several short): where packing pays off.
        int[][] skewed = [batch[0][..Math.Min(1000, batch[0].Length)], batch[1][..64], batch[2][..64], batch[3][..64], batch[4][..64]];
        var (_, skewAuto, _, _) = Score(auto, reference, skewed, matmulParams);
        var (_, skewPadded, _, _) = Score(basePadded, refPadded, skewed, matmulParams);
        Console.WriteLine(FormattableString.Invariant($"skewed call ({skewed[0].Length} + 4 x 64 tokens): auto {skewAuto:F2} s, padded only {skewPadded:F2} s: auto is {skewPadded / skewAuto:F2}x padding-only"));

        if (rssSamples > 0)
        {
            Rss(auto, reference, rssSamples, recipe.Vocab);
        }

        return 0;
    }

    // Where the time goes: the whole scoring call vs the same call with one scored position per sample (the LM head
    // and cross-entropy then cost ~nothing), and the decoder layers' share measured by a forward on the same rows.
    private static void Profile(CausalLm a, CausalLm b, int[][] batch)
    {
        var oneEach = batch.Select(s => { var m = new bool[s.Length]; m[^1] = true; return m; }).ToArray();
        var sw = Stopwatch.StartNew();
        a.TokenLosses(batch);
        b.TokenLosses(batch);
        var all = sw.Elapsed.TotalSeconds;
        sw.Restart();
        a.TokenLosses(batch, oneEach);
        b.TokenLosses(batch, oneEach);
        var decoder = sw.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant($"where the time goes (fp32 auto, both models, load {LoadAverage()}): whole call {all:F2} s; decoder layers {decoder:F2} s ({decoder / all * 100:F0}%); LM head + cross-entropy {all - decoder:F2} s ({(all - decoder) / all * 100:F0}%)"));
    }

    // bf16 against fp32 on the same samples: per-token loss differences, and the share of the tokens fp32 keeps at
    // k = 0.6 (top 60% by influence = loss(base) - loss(ref)) that the low-precision engine keeps too.
    private static void Agreement(CausalLm a32, CausalLm r32, CausalLm a, CausalLm r, int[][] batch, DType dtype)
    {
        var ba = a32.TokenLosses(batch);
        var br = r32.TokenLosses(batch);
        var la = a.TokenLosses(batch);
        var lr = r.TokenLosses(batch);
        var diffs = new List<double>();
        var inf32 = new List<(double Score, int Index)>();
        var infLow = new List<(double Score, int Index)>();
        var n = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            for (var j = 1; j < batch[i].Length; j++)
            {
                diffs.Add(Math.Abs(ba[i][j] - la[i][j]));
                inf32.Add((ba[i][j] - br[i][j], n));
                infLow.Add((la[i][j] - lr[i][j], n));
                n++;
            }
        }

        var keep = (int)(n * 0.6);
        var kept32 = inf32.OrderByDescending(x => x.Score).Take(keep).Select(x => x.Index).ToHashSet();
        var agree = infLow.OrderByDescending(x => x.Score).Take(keep).Count(x => kept32.Contains(x.Index));
        diffs.Sort();
        Console.WriteLine(FormattableString.Invariant($"{dtype.ShortName()} vs fp32 over {n} tokens: |loss diff| median {diffs[n / 2]:E2}, p99 {diffs[(int)(n * 0.99)]:E2}, max {diffs[^1]:E2}; selection agreement at k=0.6: {agree * 100.0 / keep:F2}% of fp32's kept tokens"));
    }

    /// <summary>The 1-minute load average (/proc/loadavg), to print next to figures taken on a shared machine.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static (long Tokens, double Seconds, double CpuSeconds, double Flops) Score(CausalLm a, CausalLm b, int[][] batch, double matmulParams)
    {
        long tokens = 0;
        double attention = 0;
        var cfg = a.Config;
        foreach (var s in batch)
        {
            tokens += s.Length;
            // Causal attention: QK^T and PV over the lower triangle, 2 x 2 x len^2/2 x heads x head_dim per layer.
            attention += 2.0 * s.Length * (double)s.Length * cfg.NumHeads * cfg.HeadDim * cfg.NumLayers;
        }

        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        a.TokenLosses(batch);
        b.TokenLosses(batch);
        var seconds = sw.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        var flops = 2 * ((2.0 * matmulParams * tokens) + attention);
        return (tokens, seconds, cpu, flops);
    }

    private static void Rss(CausalLm a, CausalLm b, int count, int vocab)
    {
        var rng = new Random(4);
        const int perCall = 8;
        var proc = Process.GetCurrentProcess();
        var readings = new List<double>();
        var sw = Stopwatch.StartNew();
        for (var done = 0; done < count; done += perCall)
        {
            var calls = new int[perCall][];
            for (var i = 0; i < perCall; i++)
            {
                calls[i] = Tokens(rng, rng.Next(64, 257), vocab);
            }

            a.TokenLosses(calls);
            b.TokenLosses(calls);
            proc.Refresh();
            if (done >= count / 5)
            {
                readings.Add(proc.WorkingSet64 / 1048576.0); // after a warm-up fifth
            }
        }

        var series = readings.ToArray();
        readings.Sort();
        var median = readings[readings.Count / 2];
        Console.WriteLine(FormattableString.Invariant($"RSS readings (MiB, one per call after warm-up): {string.Join(' ', series.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))}"));
        Console.WriteLine(FormattableString.Invariant($"managed heap at the end: {GC.GetTotalMemory(forceFullCollection: false) / 1048576.0:F0} MiB, {GcLine()}; live tensor handles {Torch.LiveTensors}"));
        Console.WriteLine(FormattableString.Invariant($"RSS over {count} samples (64-256 tokens, {perCall} per call, both models, {sw.Elapsed.TotalSeconds:F0} s): after warm-up min {readings[0]:F0} MiB, max {readings[^1]:F0} MiB, median {median:F0} MiB, spread {(readings[^1] - readings[0]) / median * 100:F1}%"));
    }

    // Invariant: RSS flat (±5%) over many scored samples after warm-up. A small model (the 60M one would take hours
    // for 20k samples on 2 cores) with the same spread of lengths, so tensor sizes vary from call to call.
    private static int RssSoak(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20000;
        var perCall = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 8;
        var dtype = args.Length > 2 ? DTypes.ParseCompute(args[2]) ?? throw new ArgumentException($"unknown dtype {args[2]}") : DType.Float32;
        var root = Path.Combine(Path.GetTempPath(), "tc-bench-scoring-soak");
        var baseDir = Path.Combine(root, "base");
        var refDir = Path.Combine(root, "ref");
        var recipe = new CheckpointRecipe { Variant = "llama", Hidden = 64, Layers = 2, Heads = 2, KvHeads = 1, Intermediate = 192, Vocab = 1024, MaxPositions = 2048, Seed = 5 };
        if (!File.Exists(Path.Combine(refDir, "model.safetensors")))
        {
            RandomCheckpoint.Create(recipe, baseDir);
            RandomCheckpoint.Perturb(baseDir, refDir, 0.01, seed: 6);
        }

        Torch.ApplyDefaultThreads();
        using var a = CausalLm.Load(baseDir, dtype: dtype);
        using var b = CausalLm.Load(refDir, dtype: dtype);
        Console.WriteLine(FormattableString.Invariant($"RSS soak: {count} samples of 64-1024 tokens, {perCall} per call, base + reference ({a.ParameterCount / 1e6:F2}M parameters each, {a.Config.Describe()}), TorchSharp {Torch.TorchSharpVersion}, libtorch {Torch.Version}, {dtype.ShortName()}, malloc {Environment.GetEnvironmentVariable("TOKENCLEAN_NATIVE_MEMORY") ?? "tuned"}, load {LoadAverage()}"));
        var rng = new Random(7);
        var proc = Process.GetCurrentProcess();
        var calls = (count + perCall - 1) / perCall;
        var warmup = calls / 10;
        var rss = new double[calls];
        var handles = Torch.LiveTensors;
        long tokens = 0;
        var sw = Stopwatch.StartNew();
        var batch = new int[perCall][];
        for (var c = 0; c < calls; c++)
        {
            for (var i = 0; i < perCall; i++)
            {
                batch[i] = Tokens(rng, rng.Next(64, 1025), recipe.Vocab);
                tokens += batch[i].Length;
            }

            a.TokenLosses(batch);
            b.TokenLosses(batch);
            proc.Refresh();
            rss[c] = proc.WorkingSet64 / 1048576.0;
            if ((c + 1) % Math.Max(1, calls / 20) == 0)
            {
                Console.WriteLine(FormattableString.Invariant($"  {(c + 1) * perCall,6} samples {sw.Elapsed.TotalSeconds,6:F0} s  RSS {rss[c],7:F1} MiB  {GcLine()}  live tensors {Torch.LiveTensors}  load {LoadAverage()}"));
            }
        }

        var after = rss[warmup..];
        var sorted = (double[])after.Clone();
        Array.Sort(sorted);
        var median = sorted[sorted.Length / 2];
        // Least-squares slope over the calls after warm-up, in MiB per 1000 samples.
        double mx = 0, my = 0, sxy = 0, sxx = 0;
        for (var i = 0; i < after.Length; i++)
        {
            mx += i;
            my += after[i];
        }

        mx /= after.Length;
        my /= after.Length;
        for (var i = 0; i < after.Length; i++)
        {
            sxy += (i - mx) * (after[i] - my);
            sxx += (i - mx) * (i - mx);
        }

        var slope = sxx > 0 ? sxy / sxx * 1000.0 / perCall : 0;
        Console.WriteLine(FormattableString.Invariant($"{calls} calls x 2 models, {tokens} tokens, {sw.Elapsed.TotalSeconds:F0} s ({tokens * 2 / sw.Elapsed.TotalSeconds:F0} tokens/s through a model); live tensors {Torch.LiveTensors} (after load {handles})"));
        Console.WriteLine(FormattableString.Invariant($"RSS after warm-up ({warmup * perCall} samples): first {after[0]:F1} MiB, last {after[^1]:F1} MiB, min {sorted[0]:F1}, max {sorted[^1]:F1}, median {median:F1} MiB, spread (max-min)/median {(sorted[^1] - sorted[0]) / median * 100:F1}%, slope {slope:F3} MiB per 1000 samples"));
        return 0;
    }

    // The managed side of RSS: what the GC has committed, and how many collections ran (a run too short for a gen0
    // collection shows the gen0 budget filling as a steady "creep" of RSS).
    private static string GcLine()
    {
        var info = GC.GetGCMemoryInfo();
        return FormattableString.Invariant($"GC committed {info.TotalCommittedBytes / 1048576.0,6:F1} MiB (gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)})");
    }

    // n³ matmul FLOP/s in the given dtype per wall second and per CPU-second of this process. bf16 goes the way the
    // engine's bf16 products go (through fp32 on a CPU without bf16 units: Bf16Products).
    internal static (double Wall, double PerCpu) MatmulRate(int n, TimeSpan duration, DType dtype = DType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.rand(n, n, dtype: dtype.ToScalarType());
        Func<torch.Tensor> product = Bf16Products.Applies(a) ? () => Bf16Products.Linear(a, a) : () => a.matmul(a);
        product().Dispose();
        var reps = 0;
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            product().Dispose();
            reps++;
        }

        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        var work = 2.0 * n * n * n * reps;
        return (work / sw.Elapsed.TotalSeconds, work / cpu);
    }

    private static int[] Tokens(Random rng, int length, int vocab)
    {
        var t = new int[length];
        for (var i = 0; i < length; i++)
        {
            t[i] = rng.Next(vocab);
        }

        return t;
    }
}
