using System.Text.Json;
using TokenClean.Embedded.Models;
using TokenClean.Embedded.Tokenizers;
using TokenClean.Ingest.Tokenization;
using TokenClean.Scoring.Models;

namespace TokenClean.Embedded;

/// <summary>
/// Self-made models for the embedded demo and the end-to-end tests: nothing can be downloaded here, so the demo
/// trains a small byte-level BPE tokenizer on its own samples, creates a random Llama-shaped base model of that
/// vocabulary, and derives a reference from it (base + noise; a stand-in for a fine-tuned checkpoint).
/// Deterministic: the same samples give the same files.
/// </summary>
public static class DemoAssets
{
    /// <summary>Special tokens of the chatml template the demo uses.</summary>
    public static readonly string[] SpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    /// <summary>Creates (or reuses) <c>base/</c> (with tokenizer files) and <c>ref/</c> under <paramref name="directory"/>.</summary>
    /// <param name="directory">Where the assets live.</param>
    /// <param name="corpus">Texts to train the tokenizer on (the demo's own samples).</param>
    /// <param name="merges">BPE merges to learn; the vocabulary is 256 + merges + 3 special tokens at most.</param>
    public static (string BaseDir, string RefDir) Ensure(string directory, IEnumerable<string> corpus, int merges = 400)
    {
        var baseDir = Path.Combine(directory, "base");
        var refDir = Path.Combine(directory, "ref");
        var done = Path.Combine(directory, ".complete");
        if (File.Exists(done))
        {
            return (baseDir, refDir);
        }

        Directory.CreateDirectory(baseDir);
        var tokenizerJson = BpeTrainer.Train(corpus, merges, SpecialTokens);
        File.WriteAllText(Path.Combine(baseDir, "tokenizer.json"), tokenizerJson);
        File.WriteAllText(Path.Combine(baseDir, "tokenizer_config.json"), JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["bos_token"] = null,
            ["eos_token"] = "<|im_end|>",
            ["pad_token"] = "<|endoftext|>",
            ["model_max_length"] = 2048,
        }));
        var vocab = HfTokenizer.FromFile(baseDir).VocabSize;
        RandomCheckpoint.Create(new CheckpointRecipe { Variant = "llama", Hidden = 64, Layers = 2, Heads = 4, KvHeads = 2, Intermediate = 128, Vocab = vocab, MaxPositions = 2048, Seed = 1 }, baseDir);
        RandomCheckpoint.Perturb(baseDir, refDir, scale: 0.05, seed: 2);
        File.WriteAllText(done, "");
        return (baseDir, refDir);
    }
}
