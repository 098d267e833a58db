namespace TokenClean.Scoring.Selection;

/// <summary>What one global top-k selection did.</summary>
/// <param name="Candidates">Tokens that could be kept (non-NaN influence).</param>
/// <param name="Kept">Tokens kept: <c>int(keepRatio × Candidates)</c>.</param>
/// <param name="Threshold">The influence of the last kept token (NaN when nothing was kept).</param>
public readonly record struct TopKResult(int Candidates, int Kept, float Threshold);
