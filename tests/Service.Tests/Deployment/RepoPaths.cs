namespace TokenClean.Service.Tests.Deployment;

/// <summary>Files of the repository, found from the test binaries by walking up to Streaming.sln.</summary>
internal static class RepoPaths
{
    public static string Root => TokenClean.Tests.Shared.RepoRoot.Path;

    public static string File(string relative) => Path.Combine(Root, relative);
}
