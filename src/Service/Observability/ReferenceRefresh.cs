namespace TokenClean.Service.Observability;

/// <summary>One reference checkpoint the refresh examined, or the first use of a fixed reference.</summary>
/// <param name="Version">The checkpoint's version (its directory name).</param>
/// <param name="Accepted">Whether it now serves; false = rejected (corrupt, incompatible, failed validation).</param>
/// <param name="At">When the outcome was reported.</param>
/// <param name="Reason">Why it was refused (null when accepted or when the reporter gave none).</param>
public sealed record ReferenceRefresh(string Version, bool Accepted, DateTimeOffset At, string? Reason = null);
