namespace TokenClean.Service.Observability;

/// <summary>Counts since start.</summary>
/// <param name="SamplesWritten">Samples written to the sink.</param>
/// <param name="SamplesDeadLettered">Samples sent to the dead-letter sink.</param>
/// <param name="TokensScored">Tokens scored (prompt and response).</param>
/// <param name="ResponseTokens">Response tokens scored.</param>
/// <param name="KeptTokens">Response tokens kept.</param>
/// <param name="KeptRatio">Kept over response tokens since start; null when none were scored.</param>
public sealed record SampleTotals(
    long SamplesWritten,
    long SamplesDeadLettered,
    long TokensScored,
    long ResponseTokens,
    long KeptTokens,
    double? KeptRatio);
