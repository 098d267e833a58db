namespace TokenClean.Ingest.Samples;

/// <summary>A sample ready for scoring: ids and labels of equal length, -100 where a token is not a response token.</summary>
public sealed class TokenizedSample
{
    /// <summary>The value of a label that is not trained on (Hugging Face's ignore index).</summary>
    public const int IgnoreIndex = -100;

    public TokenizedSample(string id, int[] inputIds, int[] labels, int responseTokens, bool truncated, string? renderedText)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(labels);
        if (inputIds.Length != labels.Length)
        {
            throw new ArgumentException("labels and input ids differ in length", nameof(labels));
        }

        Id = id;
        InputIds = inputIds;
        Labels = labels;
        ResponseTokens = responseTokens;
        Truncated = truncated;
        RenderedText = renderedText;
    }

    /// <summary>The sample id (input <c>id</c> or content hash).</summary>
    public string Id { get; }

    /// <summary>Token ids of the whole sample (template applied).</summary>
    public int[] InputIds { get; }

    /// <summary>The token id at response positions, <see cref="IgnoreIndex"/> elsewhere.</summary>
    public int[] Labels { get; }

    /// <summary>Number of response positions (labels that are not <see cref="IgnoreIndex"/>).</summary>
    public int ResponseTokens { get; }

    /// <summary>True when the sample was cut to the configured maximum length.</summary>
    public bool Truncated { get; }

    /// <summary>The rendered chat text the ids encode (null for pre-tokenized input).</summary>
    public string? RenderedText { get; }

    /// <summary>True where <see cref="Labels"/> marks a response token.</summary>
    public bool IsResponse(int position) => Labels[position] != IgnoreIndex;
}
