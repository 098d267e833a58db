namespace TokenClean.Service.Inspection;

/// <summary>A committed lake file the inspector can open.</summary>
/// <param name="File">Its path relative to the inspected directory (forward slashes).</param>
/// <param name="Bytes">Its size.</param>
public sealed record LakeFileSummary(string File, long Bytes);
