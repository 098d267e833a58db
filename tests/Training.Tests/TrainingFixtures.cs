using System.Diagnostics;
using TokenClean.Core.Samples;
using TokenClean.Embedded.Models;
using TokenClean.Ingest.Samples;
using TokenClean.Scoring.Models;

namespace TokenClean.Training.Tests;

/// <summary>Tiny checkpoints, samples and the python3-torch reference runner shared by the training tests.</summary>
internal static class TrainingFixtures
{
    /// <summary>The repository root: the folder above the test binaries that holds Streaming.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Debian's interpreter carries python3-torch; a python3 earlier on PATH (pyenv) may not.</summary>
    public static string Python { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>A small random checkpoint (vocab 96, hidden 32) of <paramref name="variant"/> in <paramref name="directory"/>.</summary>
    public static string Checkpoint(string directory, string variant = "llama", long seed = 5, Scoring.DType dtype = Scoring.DType.Float32)
    {
        RandomCheckpoint.Create(new CheckpointRecipe { Variant = variant, Seed = seed, Hidden = 32, Heads = 4, KvHeads = 2, Intermediate = 48, Vocab = 96, MaxPositions = 64, DType = dtype }, directory);
        return directory;
    }

    /// <summary><paramref name="count"/> seeded samples of 8–15 tokens whose second half is the response.</summary>
    public static List<TokenizedSample> Samples(int count, int seed = 1, int vocab = 96)
    {
        var r = new Random(seed);
        var list = new List<TokenizedSample>();
        for (var i = 0; i < count; i++)
        {
            var n = 8 + r.Next(8);
            var ids = new int[n];
            var labels = new int[n];
            for (var j = 0; j < n; j++)
            {
                ids[j] = r.Next(vocab);
                labels[j] = j >= n / 2 ? ids[j] : TokenizedSample.IgnoreLabel;
            }

            list.Add(new TokenizedSample($"s{i}", ids, labels));
        }

        return list;
    }

    /// <summary>Mean per-token loss over the response positions of <paramref name="samples"/>.</summary>
    public static double MeanResponseLoss(CausalLm model, IReadOnlyList<TokenizedSample> samples)
    {
        var losses = model.TokenLosses(samples.Select(s => s.InputIds).ToArray(), samples.Select(s => s.Labels.Select(l => l != TokenizedSample.IgnoreLabel).ToArray()).ToArray());
        double sum = 0;
        var n = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            for (var j = 1; j < losses[i].Length; j++)
            {
                if (samples[i].Labels[j] != TokenizedSample.IgnoreLabel)
                {
                    sum += losses[i][j];
                    n++;
                }
            }
        }

        return sum / n;
    }

    /// <summary>Runs tools/reference/<paramref name="script"/> with <paramref name="args"/>; returns exit code, stdout, stderr.</summary>
    public static (int Exit, string Stdout, string Stderr) RunReference(string script, params string[] args)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepoRoot, "tools", "reference", script));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(180_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} ran longer than 180 s");
        }

        return (process.ExitCode, stdout, stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Streaming.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}
