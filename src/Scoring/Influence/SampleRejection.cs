namespace TokenClean.Scoring.Influence;

/// <summary>Why a sample cannot be scored: a stable machine-readable code and a human-readable message.</summary>
/// <param name="Code">One of the <see cref="RejectionReasons"/> codes (stable across versions).</param>
/// <param name="Message">What exactly was wrong, for a person reading the dead letters.</param>
public sealed record SampleRejection(string Code, string Message);
