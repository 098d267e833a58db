using TokenClean.Scoring;
using TokenClean.Scoring.Models;

namespace TokenClean.Embedded.Models;

/// <summary>
/// The shape of a random checkpoint: which architecture variant and how big. Variants: llama (Llama 2 style),
/// llama3 (llama3 rope scaling, tied embeddings), mistral (sliding window), qwen2 (q/k/v bias, tied),
/// qwen3 (q/k norm, head_dim ≠ hidden/heads), gpt2.
/// </summary>
public sealed record CheckpointRecipe
{
    /// <summary>Variant names accepted by <see cref="Variant"/>.</summary>
    public static readonly IReadOnlyList<string> Variants = ["llama", "llama3", "mistral", "qwen2", "qwen3", "gpt2"];

    public string Variant { get; init; } = "llama";

    public int Hidden { get; init; } = 64;

    public int Layers { get; init; } = 2;

    public int Heads { get; init; } = 4;

    public int KvHeads { get; init; } = 2;

    public int Intermediate { get; init; } = 128;

    public int Vocab { get; init; } = 256;

    public int MaxPositions { get; init; } = 512;

    /// <summary>Storage dtype of the weights (Float32, BFloat16 or Float16).</summary>
    public DType DType { get; init; } = DType.Float32;

    public long Seed { get; init; }

    /// <summary>Tie the LM head to the embedding; null = the variant's usual choice.</summary>
    public bool? TieWordEmbeddings { get; init; }
}
