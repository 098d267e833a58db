namespace TokenClean.Tests.Shared;

/// <summary>The repository's files, found from the test binaries by walking up to <c>Streaming.sln</c>.</summary>
public static class RepoRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The repository root (the folder that holds Streaming.sln).</summary>
    public static string Path => Root.Value;

    /// <summary>A path under the repository root, e.g. <c>File("docs", "OPERATIONS.md")</c>.</summary>
    public static string File(params string[] parts) => System.IO.Path.Combine([Root.Value, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Streaming.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}
