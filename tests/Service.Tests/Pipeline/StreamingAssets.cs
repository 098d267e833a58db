using TokenClean.Embedded.Models;
using TokenClean.Embedded.Tokenizers;
using TokenClean.Ingest.Tokenization;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// A tiny base/reference model pair with a BPE tokenizer trained for them (chatml special tokens), made once per
/// test run under the temp directory. The tokenizer.json sits in the base model directory, so <c>serve</c> finds it
/// there by default; use <c>--chat-template chatml</c>.
/// </summary>
internal static class StreamingAssets
{
    private static readonly Lazy<string> Root = new(Create);

    public static string BaseDir => Path.Combine(Root.Value, "base");

    public static string RefDir => Path.Combine(Root.Value, "ref");

    /// <summary>Words the samples are made of (and the tokenizer was trained on).</summary>
    public static readonly string[] Words =
    [
        "the", "model", "learns", "token", "cleaning", "keeps", "informative", "tokens", "and", "drops", "noise",
        "a", "stream", "of", "samples", "arrives", "from", "kafka", "every", "answer", "is", "scored", "by", "loss",
        "reference", "base", "difference", "what", "why", "how", "does", "explain", "please", "short", "long",
    ];

    private static string Create()
    {
        var root = Path.Combine(Path.GetTempPath(), "tc-serve-assets-" + Environment.ProcessId);
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        var baseDir = Path.Combine(root, "base");
        var refDir = Path.Combine(root, "ref");
        Directory.CreateDirectory(baseDir);
        var rng = new Random(7);
        var corpus = new List<string>();
        for (var i = 0; i < 400; i++)
        {
            corpus.Add(string.Join(' ', Enumerable.Range(0, 8).Select(_ => Words[rng.Next(Words.Length)])) + ".\n");
        }

        var json = BpeTrainer.Train(corpus, 120, ["<|im_start|>", "<|im_end|>"]);
        var tokenizerPath = Path.Combine(baseDir, "tokenizer.json");
        File.WriteAllText(tokenizerPath, json);
        var vocab = HfTokenizer.FromFile(tokenizerPath).VocabSize;
        var tmp = Path.Combine(root, "base-weights");
        RandomCheckpoint.Create(new CheckpointRecipe { Hidden = 32, Layers = 1, Heads = 2, KvHeads = 1, Intermediate = 64, Vocab = vocab, MaxPositions = 256, Seed = 11 }, tmp);
        foreach (var f in Directory.GetFiles(tmp))
        {
            File.Copy(f, Path.Combine(baseDir, Path.GetFileName(f)));
        }

        RandomCheckpoint.Perturb(tmp, refDir, 0.5, 12);
        File.Copy(tokenizerPath, Path.Combine(refDir, "tokenizer.json"), overwrite: true);
        return root;
    }
}
