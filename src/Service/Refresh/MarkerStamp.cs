namespace TokenClean.Service.Refresh;

/// <summary>
/// The identity of a version's completeness marker (write time and size). A refusal is remembered together with
/// the marker it saw, so a version is tried again only when its marker appears or is written anew.
/// </summary>
internal readonly record struct MarkerStamp(long LastWriteTicks, long Length)
{
    /// <summary>The marker of <paramref name="directory"/>, or null when it does not exist (the version is incomplete).</summary>
    public static MarkerStamp? Read(string directory, string markerFileName)
    {
        try
        {
            var info = new FileInfo(Path.Combine(directory, markerFileName));
            return info.Exists ? new MarkerStamp(info.LastWriteTimeUtc.Ticks, info.Length) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
