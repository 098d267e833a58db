using System.Diagnostics;
using System.Text.Json;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>Runs tests/oracles/arrow-read.mjs (the Arrow project's JS reader) over files.</summary>
internal static class ArrowJs
{
    public static string RepoRoot { get; } = FindRepoRoot();

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
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
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
