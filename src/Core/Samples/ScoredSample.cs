namespace TokenClean.Core.Samples;

/// <summary>
/// A sample with its per-token losses under both models and its influence. All three arrays have the sample's
/// length and hold NaN at positions that are not scored (prompt tokens and position 0).
/// </summary>
public sealed class ScoredSample
{
    /// <summary>Wraps the scorer's arrays; they are owned by this object from now on.</summary>
    public ScoredSample(TokenizedSample sample, float[] baseLoss, float[] referenceLoss, float[] influence)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(baseLoss);
        ArgumentNullException.ThrowIfNull(referenceLoss);
        ArgumentNullException.ThrowIfNull(influence);
        if (baseLoss.Length != sample.Length || referenceLoss.Length != sample.Length || influence.Length != sample.Length)
        {
            throw new ArgumentException("loss and influence arrays must have the sample's length", nameof(influence));
        }

        Sample = sample;
        BaseLoss = baseLoss;
        ReferenceLoss = referenceLoss;
        Influence = influence;
    }

    /// <summary>The sample that was scored.</summary>
    public TokenizedSample Sample { get; }

    /// <summary>−log p(token | prefix) under the base model; NaN where not scored.</summary>
    public float[] BaseLoss { get; }

    /// <summary>−log p(token | prefix) under the reference model; NaN where not scored.</summary>
    public float[] ReferenceLoss { get; }

    /// <summary>BaseLoss − ReferenceLoss; NaN where not scored. High = the reference learned it, the base did not.</summary>
    public float[] Influence { get; }

    /// <summary>Scorable response tokens (response positions other than position 0).</summary>
    public int ResponseTokens => Sample.ScorableCount;
}
