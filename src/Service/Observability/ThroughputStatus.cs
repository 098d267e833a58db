namespace TokenClean.Service.Observability;

/// <summary>Rates over the recent window (the last minute, or the uptime when shorter).</summary>
/// <param name="WindowSeconds">The seconds the rates average over.</param>
/// <param name="SamplesPerSecond">Samples that left the pipeline (written or dead-lettered).</param>
/// <param name="TokensPerSecond">Tokens scored (prompt and response, base and reference counted once).</param>
/// <param name="KeptRatio">Kept over scored response tokens in the window; null when none were scored.</param>
public sealed record ThroughputStatus(double WindowSeconds, double SamplesPerSecond, double TokensPerSecond, double? KeptRatio);
