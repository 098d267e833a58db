namespace TokenClean.Scoring.Selection;

/// <summary>
/// The soft-weight map of the optional <c>soft_weight</c> column: w = σ((influence − threshold) / τ) per scored
/// response token, 0 elsewhere (prompt tokens, position 0, no score) and 0 when the group kept nothing (no threshold).
/// </summary>
/// <remarks>
/// Monotone in the influence within a selection group, 0.5 exactly at the group's threshold (so kept tokens weigh
/// ≥ 0.5, dropped ones &lt; 0.5), and bounded in (0, 1), so a trainer can multiply per-token losses by it without
/// rescaling. τ (nats) says how sharply the weight falls around the threshold: τ → 0 is the hard mask again.
/// </remarks>
public static class SoftWeights
{
    /// <summary>The weights of one sample.</summary>
    /// <param name="influence">Per-token influence, NaN where not scored.</param>
    /// <param name="threshold">The selection threshold applied to the sample (NaN: nothing was kept in its group).</param>
    /// <param name="temperature">τ &gt; 0, in nats.</param>
    public static float[] Compute(ReadOnlySpan<float> influence, float threshold, double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the soft-weight temperature must be a positive finite number");
        }

        var weights = new float[influence.Length];
        if (float.IsNaN(threshold))
        {
            return weights;
        }

        for (var j = 0; j < influence.Length; j++)
        {
            var s = influence[j];
            weights[j] = float.IsNaN(s) ? 0f : (float)(1.0 / (1.0 + Math.Exp(-(s - (double)threshold) / temperature)));
        }

        return weights;
    }
}
