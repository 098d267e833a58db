using System.Text.Json;
using TokenClean.Tests.Shared;

namespace TokenClean.Scoring.Tests;

/// <summary>
/// The build property that picks libtorch's natives (<c>TorchSharpRuntime</c>, docs/SCORING.md "CUDA"), checked by
/// MSBuild's own evaluation of src/Scoring: nothing is restored, so the GPU package, which this environment does not
/// serve, is never fetched. What a GPU host's build would reference is all that can be checked without one.
/// </summary>
public sealed class TorchSharpRuntimeTests
{
    private static readonly string Project = RepoRoot.File("src", "Scoring", "TokenClean.Scoring.csproj");

    [Fact]
    public void Default_ReferencesTorchSharpAndTheLinuxCpuNatives_AndNoGpuPackage()
    {
        var (references, _) = Evaluate();
        Assert.Equal(["TorchSharp", "libtorch-cpu-linux-x64"], references.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Cuda_ReferencesOnlyTheGpuPackage_AtTorchSharpsVersion()
    {
        var (references, versions) = Evaluate("-p:TorchSharpRuntime=cuda");
        Assert.Equal(["TorchSharp-cuda-linux"], references.Keys);
        // TorchSharp-cuda-linux bundles TorchSharp itself: a version apart from the CPU build's would be another API.
        Assert.Equal(versions["TorchSharp"], versions["TorchSharp-cuda-linux"]);
    }

    [Fact]
    public void AnUnknownRuntime_FailsWithOneClearError_BeforeRestoring()
    {
        var r = MsBuild("-t:CollectPackageReferences", "-p:TorchSharpRuntime=rocm");
        Assert.NotEqual(0, r.ExitCode);
        var output = r.Stdout + r.Stderr;
        Assert.Contains("error TC0001: TorchSharpRuntime 'rocm' is not a runtime this project builds for: use cpu (the default) or cuda", output, StringComparison.Ordinal);
    }

    private static (Dictionary<string, string?> References, Dictionary<string, string> Versions) Evaluate(params string[] properties)
    {
        var r = MsBuild(["-getItem:PackageReference", "-getItem:PackageVersion", .. properties]);
        Assert.True(r.ExitCode == 0, $"msbuild exited {r.ExitCode}: {r.Stdout}{r.Stderr}");
        using var json = JsonDocument.Parse(r.Stdout);
        var items = json.RootElement.GetProperty("Items");
        var references = items.GetProperty("PackageReference").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.TryGetProperty("Version", out var v) ? v.GetString() : null);
        var versions = items.GetProperty("PackageVersion").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString()!);
        return (references, versions);
    }

    private static ProcessResult MsBuild(params string[] args) =>
        ChildProcess.Run(
            ChildProcess.Dotnet,
            ["msbuild", Project, "-nologo", "-nodeReuse:false", .. args],
            timeout: TimeSpan.FromMinutes(2));
}
