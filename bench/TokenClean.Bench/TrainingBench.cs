using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokenClean.Core.Samples;
using TokenClean.Embedded.Models;
using TokenClean.Scoring;
using TokenClean.Scoring.Models;
using TokenClean.Training;

namespace TokenClean.Bench;

/// <summary>
/// <c>bench train [steps] [rounds] [modes] [dtypes]</c>: training tokens/s of tokenclean's Trainer on the scoring bench's
/// ~60M Llama shape (8 layers, hidden 512, vocab 32000), LoRA (r 16 on all seven projections, no dropout) and full
/// fine-tuning, against the same step in plain PyTorch (bench/pytorch/training_step.py, Debian's python3-torch: same
/// shapes, batch 4 × 256 tokens, AdamW, clipping) in the same run, legs alternating so that load on a shared machine
/// hits both sides alike. The first step of every leg is a warm-up and not counted. RSS of this process is sampled
/// every 50 ms while each of our legs runs (peak and last reported; PyTorch reports its own peak).
/// </summary>
internal static class TrainingBench
{
    private const int Batch = 4;
    private const int Length = 256;

    public static int Run(string[] args)
    {
        var steps = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 4;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        var modes = (args.Length > 2 ? args[2] : "lora,full").Split(',');
        var dtypes = (args.Length > 3 ? args[3] : "fp32,bf16").Split(',');
        var root = Path.Combine(Path.GetTempPath(), "tc-bench-training");
        var baseDir = Path.Combine(root, "base");
        var recipe = new CheckpointRecipe { Variant = "llama", Hidden = 512, Layers = 8, Heads = 8, KvHeads = 8, Intermediate = 1408, Vocab = 32000, MaxPositions = 2048, Seed = 1 };
        if (!File.Exists(Path.Combine(baseDir, "model.safetensors")))
        {
            RandomCheckpoint.Create(recipe, baseDir);
        }

        var rng = new Random(0);
        var samples = new List<TokenizedSample>();
        var json = new JsonArray();
        for (var i = 0; i < 64; i++)
        {
            var ids = Enumerable.Range(0, Length).Select(_ => rng.Next(recipe.Vocab)).ToArray();
            var labels = ids.Select((t, j) => j < 64 ? TokenizedSample.IgnoreLabel : t).ToArray();
            samples.Add(new TokenizedSample(i.ToString(CultureInfo.InvariantCulture), ids, labels));
            json.Add(new JsonObject { ["input_ids"] = new JsonArray(ids.Select(x => (JsonNode)x).ToArray()), ["labels"] = new JsonArray(labels.Select(x => (JsonNode)x).ToArray()) });
        }

        var dataFile = Path.Combine(root, "samples.json");
        File.WriteAllText(dataFile, json.ToJsonString());
        Torch.ApplyDefaultThreads();
        Console.WriteLine(FormattableString.Invariant($"TorchSharp {Torch.TorchSharpVersion}, libtorch {Torch.Version}, {Environment.ProcessorCount} cores, {Torch.NumThreads} intra-op threads, CPU {string.Join(' ', Torch.CpuFeatures())} (ATen {Torch.CpuCapability()})"));
        Console.WriteLine(FormattableString.Invariant($"shape: llama 8 x 512, vocab 32000; batch {Batch} x {Length} tokens (192 learned per sample); {steps} steps per leg, first not counted; {rounds} rounds"));
        var script = Path.Combine(RepoRoot(), "bench", "pytorch", "training_step.py");
        var ratios = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (var r = 0; r < rounds; r++)
        {
            foreach (var mode in modes)
            {
                // Alternate which side goes first from round to round.
                var legs = r % 2 == 0 ? new[] { "ours", "torch" } : ["torch", "ours"];
                double ours = 0, theirs = 0;
                foreach (var leg in legs)
                {
                    if (leg == "ours")
                    {
                        ours = Ours(baseDir, samples, mode, DType.Float32, steps, r);
                    }
                    else
                    {
                        theirs = Theirs(script, baseDir, dataFile, mode, steps, r);
                    }
                }

                var ratio = ours / theirs;
                (ratios.TryGetValue(mode, out var l) ? l : ratios[mode] = []).Add(ratio);
                Console.WriteLine(FormattableString.Invariant($"round {r} {mode} fp32: ours/pytorch = {ratio:F3}"));
            }
        }

        foreach (var (mode, list) in ratios)
        {
            Console.WriteLine(FormattableString.Invariant($"{mode} fp32 ratio ours/pytorch: mean {list.Average():F3} (rounds: {string.Join(", ", list.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))})"));
        }

        if (dtypes.Contains("bf16"))
        {
            foreach (var mode in modes)
            {
                try
                {
                    Ours(baseDir, samples, mode, DType.BFloat16, Math.Max(2, steps / 2), 0);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Console.WriteLine($"ours {mode} bf16: failed: {e.GetType().Name}: {e.Message}");
                }
            }
        }

        return 0;
    }

    private static double Ours(string baseDir, List<TokenizedSample> samples, string mode, DType dtype, int steps, int round)
    {
        var proc = Process.GetCurrentProcess();
        proc.Refresh();
        var before = proc.WorkingSet64 / 1048576.0;
        double peak = before;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(() =>
        {
            using var p = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                p.Refresh();
                peak = Math.Max(peak, p.WorkingSet64 / 1048576.0);
                Thread.Sleep(50);
            }
        });
        var rates = new List<double>();
        var losses = new List<double>();
        var options = new TrainingOptions
        {
            Mode = mode == "full" ? FineTuneMode.Full : FineTuneMode.Lora,
            LoraRank = 16,
            LoraAlpha = 16,
            LoraDropout = 0,
            MaxSteps = steps,
            BatchSize = Batch,
            WarmupRatio = 0,
            LearningRate = 1e-4,
            DType = dtype,
        };
        var clock = Stopwatch.StartNew();
        using (var model = CausalLm.Load(baseDir, "cpu", dtype))
        using (var trainer = new Trainer(model, options))
        {
            trainer.Train(samples, onStep: s =>
            {
                rates.Add(s.TokensPerSecond);
                losses.Add(s.Loss);
            });
        }

        stop.Cancel();
        sampler.Wait();
        proc.Refresh();
        var after = proc.WorkingSet64 / 1048576.0;
        var measured = rates.Count > 1 ? rates.Skip(1).ToList() : rates;
        var mean = measured.Average();
        Console.WriteLine(FormattableString.Invariant(
            $"round {round} ours    {mode} {dtype.ShortName()}: {mean:F0} tokens/s (steps: {string.Join(' ', rates.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))}; loss {losses[0]:F4} -> {losses[^1]:F4}) RSS before {before:F0} MB, peak {peak:F0} MB, after dispose {after:F0} MB, {clock.Elapsed.TotalSeconds:F1} s"));
        return mean;
    }

    private static double Theirs(string script, string baseDir, string dataFile, string mode, int steps, int round)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--base", baseDir, "--data", dataFile, "--mode", mode, "--rank", "16", "--alpha", "16", "--batch", Batch.ToString(CultureInfo.InvariantCulture), "--steps", steps.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"pytorch leg failed ({p.ExitCode}): {err.Result}");
        }

        var result = JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        var rate = result["tokens_per_second"]!.GetValue<double>();
        Console.WriteLine(FormattableString.Invariant(
            $"round {round} pytorch {mode} fp32: {rate:F0} tokens/s (torch {result["torch"]}, steps: {string.Join(' ', result["steps"]!.AsArray().Select(x => x!.GetValue<double>().ToString("F0", CultureInfo.InvariantCulture)))}) peak RSS {result["peak_rss_mb"]!.GetValue<double>():F0} MB"));
        return rate;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Streaming.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root (Streaming.sln) not found above " + AppContext.BaseDirectory);
    }
}
