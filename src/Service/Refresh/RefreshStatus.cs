namespace TokenClean.Service.Refresh;

/// <summary>What /status shows about the reference model: an immutable snapshot, serializable as it is.</summary>
public sealed record RefreshStatus
{
    /// <summary>"directory" (refreshed from a checkpoint root) or "fixed".</summary>
    public required string Mode { get; init; }

    /// <summary>The checkpoint root (directory mode) or the fixed model's directory.</summary>
    public required string Source { get; init; }

    /// <summary>The version every newly acquired lease gets.</summary>
    public required string CurrentVersion { get; init; }

    public required string CurrentPath { get; init; }

    public required DateTimeOffset LoadedAt { get; init; }

    /// <summary>Versions swapped in since start (the first load not counted).</summary>
    public int RefreshCount { get; init; }

    /// <summary>Versions refused since start.</summary>
    public int RefusedCount { get; init; }

    public RefreshRefusal? LastRefusal { get; init; }

    /// <summary>When the location was last looked at (null before the first look after start).</summary>
    public DateTimeOffset? LastCheckAt { get; init; }

    /// <summary>The version being loaded and validated now, if any.</summary>
    public string? Loading { get; init; }
}
