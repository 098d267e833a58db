namespace TokenClean.Service.Observability;

/// <summary>One reference checkpoint the refresh examined.</summary>
/// <param name="Version">The checkpoint's version (its directory name).</param>
/// <param name="Accepted">Whether it now serves; false = rejected (corrupt, incompatible, failed validation).</param>
/// <param name="At">When the outcome was reported.</param>
public sealed record ReferenceRefresh(string Version, bool Accepted, DateTimeOffset At);
