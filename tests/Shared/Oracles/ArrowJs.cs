using System.Diagnostics;
using System.Text.Json;

namespace TokenClean.Tests.Oracles;

/// <summary>Runs tests/oracles/arrow-read.mjs: the Arrow project's JS reader, an implementation independent of ours.</summary>
internal static class ArrowJs
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Reads the files and returns one JSON object per file; fails the test if the reader rejects one.</summary>
    public static JsonElement[] Read(params string[] paths) => Run(paths);

    public static JsonElement ReadOne(string path, params string[] extraArgs) => Run([.. extraArgs, path])[0];

    public static JsonElement[] Run(string[] args)
    {
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(RepoRoot, "tests", "oracles"),
        };
        psi.ArgumentList.Add(Path.Combine(RepoRoot, "tests", "oracles", "arrow-read.mjs"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"arrow-read.mjs failed ({process.ExitCode}): {stdout}\n{stderr.Result}");
        }

        using var doc = JsonDocument.Parse(stdout);
        var list = new List<JsonElement>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            list.Add(e.Clone());
        }

        return [.. list];
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Streaming.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}
