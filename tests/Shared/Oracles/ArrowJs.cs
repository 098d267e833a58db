using System.Text.Json;

namespace TokenClean.Tests.Oracles;

/// <summary>Runs tests/oracles/arrow-read.mjs: the Arrow project's JS reader, an implementation independent of ours.</summary>
internal static class ArrowJs
{
    public static string RepoRoot => TokenClean.Tests.Shared.RepoRoot.Path;

    /// <summary>Reads the files and returns one JSON object per file; fails the test if the reader rejects one.</summary>
    public static JsonElement[] Read(params string[] paths) => Run(paths);

    public static JsonElement ReadOne(string path, params string[] extraArgs) => Run([.. extraArgs, path])[0];

    public static JsonElement[] Run(string[] args)
    {
        var r = TokenClean.Tests.Shared.ChildProcess.Node([Path.Combine(RepoRoot, "tests", "oracles", "arrow-read.mjs"), .. args]);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"arrow-read.mjs failed ({r.ExitCode}): {r.Stdout}\n{r.Stderr}");
        }

        using var doc = JsonDocument.Parse(r.Stdout);
        var list = new List<JsonElement>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            list.Add(e.Clone());
        }

        return [.. list];
    }
}
