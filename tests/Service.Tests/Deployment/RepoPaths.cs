namespace TokenClean.Service.Tests.Deployment;

/// <summary>Files of the repository, found from the test binaries by walking up to Streaming.sln.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string File(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Streaming.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Streaming.sln above {AppContext.BaseDirectory}");
    }
}
