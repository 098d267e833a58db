namespace TokenClean.Core.Samples;

/// <summary>A scored sample with the selection applied: training labels and what was kept.</summary>
public sealed class SelectedSample
{
    /// <summary>Wraps a scored sample and its selection outcome.</summary>
    public SelectedSample(ScoredSample scored, int[] labels, int keptTokens, float threshold)
    {
        ArgumentNullException.ThrowIfNull(scored);
        ArgumentNullException.ThrowIfNull(labels);
        Scored = scored;
        Labels = labels;
        KeptTokens = keptTokens;
        Threshold = threshold;
    }

    /// <summary>The scored sample.</summary>
    public ScoredSample Scored { get; }

    /// <summary>The token id where the token is kept (trained on), -100 elsewhere (prompt and dropped tokens).</summary>
    public int[] Labels { get; }

    /// <summary>Number of kept tokens in this sample.</summary>
    public int KeptTokens { get; }

    /// <summary>Influence of the last token kept in this sample's selection group (NaN when the group kept none).</summary>
    public float Threshold { get; }

    /// <summary>
    /// Optional per-token training weights (the <c>soft_weight</c> column) for trainers that weight instead of mask;
    /// null unless the selection was asked for them. Same length as <see cref="Labels"/>; 0 at prompt positions.
    /// </summary>
    public float[]? SoftWeights { get; init; }
}
