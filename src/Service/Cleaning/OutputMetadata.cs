namespace TokenClean.Service.Cleaning;

/// <summary>Run-level facts a writer records once per file (Arrow: schema metadata; JSON Lines: the manifest).</summary>
internal sealed record OutputMetadata(
    string SelectionMode,
    double KeepRatio,
    string BaseModel,
    string RefModelVersion,
    string SoftwareVersion,
    bool EmitLosses);
