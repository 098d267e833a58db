namespace TokenClean.Tests.Shared;

/// <summary>A fresh directory under the system temp folder, removed on dispose (best effort).</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates <c>&lt;temp&gt;/tc-&lt;prefix&gt;-&lt;random&gt;</c>.</summary>
    /// <param name="prefix">Names the test area in the folder name, so a leftover folder says where it came from.</param>
    public TempDirectory(string prefix = "test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"tc-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>A path inside the directory (nothing is created).</summary>
    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp folder is not a test failure (a test may have made a file read-only or immutable).
        }
    }
}
