namespace TokenClean.Service.Refresh;

/// <summary>A checkpoint version the refresher would not serve, and why.</summary>
/// <param name="Version">The version name.</param>
/// <param name="Path">Its directory.</param>
/// <param name="Reason">One line: the file and field or tensor at fault.</param>
/// <param name="At">When it was refused.</param>
public sealed record RefreshRefusal(string Version, string Path, string Reason, DateTimeOffset At);
