using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Deployment;

/// <summary>
/// The CLI's publish output, which the Docker images copy (infra/Dockerfile: <c>dotnet publish src/Cli</c>), loads
/// libtorch on this machine: on Debian 12 only because the publish step, too, marked libLibTorchSharp's
/// GLIBCXX_3.4.32 need weak (Directory.Build.targets, docs/SCORING.md). Published from the build this test run uses
/// (<c>--no-build</c>), into a folder of its own.
/// </summary>
public sealed class PublishOutputTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    [Fact]
    public void ThePublishedCli_LoadsLibtorch_HasNoUnmetVersionNeed_AndCarriesLinuxX64NativesOnly()
    {
        using var dir = new TempDirectory("publish");
        var publish = ChildProcess.Run(
            ChildProcess.Dotnet,
            ["publish", RepoPaths.File("src/Cli/TokenClean.Cli.csproj"), "-c", Configuration, "--no-build", "--nologo", "-o", dir.Path],
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(publish.ExitCode == 0, $"dotnet publish exited {publish.ExitCode}:\n{publish.Stdout}{publish.Stderr}");

        var lib = dir.File("runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(lib), $"{lib} is missing from the publish output");
        var ldd = ChildProcess.Run("ldd", [lib]);
        var unmet = (ldd.Stdout + ldd.Stderr).Split('\n')
            .Where(l => l.Contains("not found", StringComparison.Ordinal) && !l.Contains("weak version", StringComparison.Ordinal))
            .ToList();
        Assert.True(unmet.Count == 0, "the dynamic loader would reject the published libLibTorchSharp.so: " + string.Join(" | ", unmet));

        // Other platforms' natives are not published (Directory.Build.targets, DropOtherPlatformsNatives): only
        // linux-x64's runtime fallback chain, and nothing of them in the dependency manifest either.
        var platforms = Directory.GetDirectories(dir.File("runtimes")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["linux-x64", "unix"], platforms);
        var deps = File.ReadAllText(dir.File("tokenclean.deps.json"));
        Assert.DoesNotContain("runtimes/win-x64/", deps, StringComparison.Ordinal);
        Assert.DoesNotContain("runtimes/osx-arm64/", deps, StringComparison.Ordinal);

        var info = ChildProcess.Run(ChildProcess.Dotnet, [dir.File("tokenclean.dll"), "info"], timeout: TimeSpan.FromMinutes(1));
        Assert.True(info.ExitCode == 0, $"the published tokenclean info exited {info.ExitCode}:\n{info.Stdout}{info.Stderr}");
        Assert.Contains("libtorch    2.10", info.Stdout, StringComparison.Ordinal);
    }
}
