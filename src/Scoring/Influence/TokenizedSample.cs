namespace TokenClean.Scoring.Influence;

/// <summary>
/// One sample as the scorer sees it: token ids (prompt + response, chat template already applied) and which positions
/// are response tokens. Immutable by convention: the arrays are owned by the sample once it is constructed.
/// </summary>
public sealed class TokenizedSample
{
    /// <summary>The label value that marks a position as not trained on (the Hugging Face convention).</summary>
    public const int IgnoreLabel = -100;

    /// <summary>Creates a sample from ids and a response mask of the same length.</summary>
    /// <exception cref="ArgumentException">The two arrays differ in length.</exception>
    public TokenizedSample(string id, int[] inputIds, bool[] responseMask)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(responseMask);
        if (inputIds.Length != responseMask.Length)
        {
            throw new ArgumentException(
                $"response mask has {responseMask.Length} entries for {inputIds.Length} input ids", nameof(responseMask));
        }

        Id = id;
        InputIds = inputIds;
        ResponseMask = responseMask;
        for (var j = 1; j < responseMask.Length; j++)
        {
            if (responseMask[j])
            {
                ScorableCount++;
            }
        }
    }

    /// <summary>The sample's id (the input's <c>id</c>, else a content hash).</summary>
    public string Id { get; }

    /// <summary>Token ids of the whole sample.</summary>
    public int[] InputIds { get; }

    /// <summary><c>true</c> where the token is a response token (a training target).</summary>
    public bool[] ResponseMask { get; }

    /// <summary>Number of tokens.</summary>
    public int Length => InputIds.Length;

    /// <summary>
    /// Response tokens that can be scored: every response position except position 0, which has no preceding
    /// context and therefore no prediction (a causal LM never trains on it either: HF shifts labels by one).
    /// </summary>
    public int ScorableCount { get; }

    /// <summary>
    /// Creates a sample from pre-tokenized <c>input_ids</c> and <c>labels</c>, where a label of -100 marks a
    /// non-response position and any other label marks a response position.
    /// </summary>
    /// <exception cref="ArgumentException">The two arrays differ in length.</exception>
    public static TokenizedSample FromLabels(string id, int[] inputIds, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(labels);
        if (inputIds.Length != labels.Length)
        {
            throw new ArgumentException($"labels has {labels.Length} entries for {inputIds.Length} input ids", nameof(labels));
        }

        var mask = new bool[labels.Length];
        for (var j = 0; j < labels.Length; j++)
        {
            mask[j] = labels[j] != IgnoreLabel;
        }

        return new TokenizedSample(id, inputIds, mask);
    }
}
