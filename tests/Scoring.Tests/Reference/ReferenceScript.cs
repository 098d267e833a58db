using System.Text.Json;

namespace TokenClean.Scoring.Tests.Reference;

/// <summary>Runs tools/reference/reference_losses.py (the independent plain-PyTorch reference) from tests.</summary>
internal static class ReferenceScript
{
    /// <summary>The repository root: the folder above the test binaries that holds Streaming.sln.</summary>
    public static string RepoRoot { get; } = TokenClean.Tests.Shared.RepoRoot.Path;

    /// <summary>Debian's interpreter carries python3-torch; a python3 earlier on PATH (pyenv) may not.</summary>
    public static string Python { get; } = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static (int Exit, string Stdout, string Stderr) Run(params string[] args)
    {
        var r = TokenClean.Tests.Shared.ChildProcess.Run(
            Python, [Path.Combine(RepoRoot, "tools", "reference", "reference_losses.py"), .. args], timeout: TimeSpan.FromSeconds(120));
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>Creates a random checkpoint of <paramref name="arch"/> in <paramref name="directory"/>.</summary>
    public static void Create(string arch, string directory, int seed = 0, string ropeFormat = "v4")
    {
        var (exit, _, stderr) = Run("create", "--arch", arch, "--out", directory, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--rope-format", ropeFormat);
        Assert.True(exit == 0, stderr);
    }

    /// <summary>Reference per-token losses (NaN at position 0).</summary>
    public static double[][] Losses(string directory, int[][] sequences)
    {
        var (exit, stdout, stderr) = Run("losses", "--model", directory, "--tokens", JsonSerializer.Serialize(sequences));
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.GetProperty("losses");
        var result = new double[rows.GetArrayLength()][];
        var i = 0;
        foreach (var row in rows.EnumerateArray())
        {
            result[i] = new double[row.GetArrayLength()];
            var j = 0;
            foreach (var v in row.EnumerateArray())
            {
                result[i][j++] = v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble();
            }

            i++;
        }

        return result;
    }
}
