namespace TokenClean.Scoring;

/// <summary>
/// A causal language model seen as what the scorer needs from it: the cross-entropy of each token given the
/// tokens before it. Base and reference models both implement it; influence = loss(base) − loss(ref).
/// </summary>
public interface ITokenLossModel : IDisposable
{
    /// <summary>Human-readable lineage: model directory name or checkpoint version.</summary>
    string Version { get; }

    /// <summary>Vocabulary size of the LM head; ids at or above it are rejected.</summary>
    int VocabSize { get; }

    /// <summary>Longest sequence the model accepts (its context length).</summary>
    int MaxSequenceLength { get; }

    /// <summary>
    /// Per-token losses for a batch of sequences. <c>result[i][j]</c> = −log p(tokens[i][j] | tokens[i][0..j)),
    /// natural log, float32. Position 0 has no prediction and positions where <paramref name="lossMask"/> is
    /// false are not computed: both are NaN. Results do not depend on how the batch is composed, padded or packed.
    /// </summary>
    /// <param name="sequences">Token ids, one array per sample.</param>
    /// <param name="lossMask">Optional, same shapes as <paramref name="sequences"/>: which positions to score.</param>
    float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null);
}
