namespace TokenClean.Core.Samples;

/// <summary>
/// A sample ready for scoring: token ids (chat template applied) and labels of the same length, where a label is
/// the token id at a response position and <see cref="IgnoreLabel"/> elsewhere. The one sample type of every stage
/// (ingest produces it, the scorer reads it, clean's pre-tokenized parser builds it). Immutable by convention: the
/// arrays are owned by the sample once it is constructed.
/// </summary>
public sealed class TokenizedSample
{
    /// <summary>
    /// The label of a position that is not trained on (Hugging Face's ignore index, -100). The one name for -100 in
    /// this code base.
    /// </summary>
    public const int IgnoreLabel = -100;

    /// <summary>Creates a sample from ids and labels of the same length.</summary>
    /// <param name="id">The sample id (the input's <c>id</c>, else a content hash).</param>
    /// <param name="inputIds">Token ids of the whole sample.</param>
    /// <param name="labels">The token id at response positions, <see cref="IgnoreLabel"/> elsewhere.</param>
    /// <param name="truncated">True when the sample was cut to the configured maximum length.</param>
    /// <param name="renderedText">The rendered chat text the ids encode (null for pre-tokenized input).</param>
    /// <exception cref="ArgumentException">The two arrays differ in length.</exception>
    public TokenizedSample(string id, int[] inputIds, int[] labels, bool truncated = false, string? renderedText = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(labels);
        if (inputIds.Length != labels.Length)
        {
            throw new ArgumentException($"labels has {labels.Length} entries for {inputIds.Length} input ids", nameof(labels));
        }

        Id = id;
        InputIds = inputIds;
        Labels = labels;
        Truncated = truncated;
        RenderedText = renderedText;
        for (var j = 0; j < labels.Length; j++)
        {
            if (labels[j] != IgnoreLabel)
            {
                ResponseTokens++;
                if (j > 0)
                {
                    ScorableCount++;
                }
            }
        }
    }

    /// <summary>The sample id (the input's <c>id</c>, else a content hash).</summary>
    public string Id { get; }

    /// <summary>Token ids of the whole sample.</summary>
    public int[] InputIds { get; }

    /// <summary>The token id at response positions, <see cref="IgnoreLabel"/> elsewhere.</summary>
    public int[] Labels { get; }

    /// <summary>Number of tokens.</summary>
    public int Length => InputIds.Length;

    /// <summary>Number of response positions (labels that are not <see cref="IgnoreLabel"/>).</summary>
    public int ResponseTokens { get; }

    /// <summary>
    /// Response tokens that can be scored: every response position except position 0, which has no preceding
    /// context and therefore no prediction (a causal LM never trains on it either: HF shifts labels by one).
    /// </summary>
    public int ScorableCount { get; }

    /// <summary>True when the sample was cut to the configured maximum length.</summary>
    public bool Truncated { get; }

    /// <summary>The rendered chat text the ids encode (null for pre-tokenized input).</summary>
    public string? RenderedText { get; }

    /// <summary>True where <see cref="Labels"/> marks a response token (a training target).</summary>
    public bool IsResponse(int position) => Labels[position] != IgnoreLabel;

    /// <summary>True where the token is a response token that can be scored (a response position other than 0).</summary>
    public bool IsScorable(int position) => position > 0 && Labels[position] != IgnoreLabel;
}
