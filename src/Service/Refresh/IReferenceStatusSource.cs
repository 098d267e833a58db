namespace TokenClean.Service.Refresh;

/// <summary>A reference-model provider that can say what it serves, for /status.</summary>
public interface IReferenceStatusSource
{
    /// <summary>The latest snapshot; cheap, never blocks.</summary>
    RefreshStatus Status { get; }
}
