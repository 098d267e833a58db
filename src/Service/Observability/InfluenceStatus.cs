namespace TokenClean.Service.Observability;

/// <summary>Quantiles of the influence (loss_base − loss_ref) of the most recent response tokens.</summary>
/// <param name="Window">How many tokens the quantiles cover (at most the reservoir's capacity).</param>
/// <param name="Recorded">Influences recorded since start.</param>
/// <param name="P10">10th percentile; null when no token was recorded.</param>
/// <param name="P50">Median; null when no token was recorded.</param>
/// <param name="P90">90th percentile; null when no token was recorded.</param>
public sealed record InfluenceStatus(int Window, long Recorded, double? P10, double? P50, double? P90);
