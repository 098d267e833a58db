using System.Diagnostics;

namespace TokenClean.Service.Tests.Deployment;

/// <summary>
/// Validates docker-compose.yml with Compose itself. There is no Docker engine here and the docker client has no
/// compose plugin; Debian's docker-compose (1.29, installed by build.sh) validates a file without an engine.
/// A missing tool fails these tests: CI installs it through build.sh, so its absence is a setup defect.
/// </summary>
public sealed class DockerComposeConfigTests
{
    [Fact]
    public void Config_TheRepositoryComposeFile_IsValid()
    {
        var (rc, output) = Compose(RepoPaths.File("docker-compose.yml"));
        Assert.True(rc == 0, $"docker-compose config failed ({rc}):\n{output}");
    }

    [Fact]
    public void Config_WithTheGpuReservationUncommented_IsValid()
    {
        // The commented block is what CUDA hosts switch on: it must be valid Compose once uncommented.
        var lines = File.ReadAllLines(RepoPaths.File("docker-compose.yml"));
        var start = Array.FindIndex(lines, l => l.Trim() == "# reservations:");
        Assert.True(start > 0, "docker-compose.yml has no commented GPU reservation");
        var uncommented = 0;
        for (var i = start; i < lines.Length && lines[i].TrimStart().StartsWith('#'); i++)
        {
            var hash = lines[i].IndexOf('#', StringComparison.Ordinal);
            lines[i] = lines[i][..hash] + lines[i][(hash + 2)..];
            uncommented++;
        }

        Assert.Equal(5, uncommented);
        var text = string.Join('\n', lines);
        Assert.Contains("driver: nvidia", text, StringComparison.Ordinal);
        var (rc, output) = ComposeText(text, "config");
        Assert.True(rc == 0, $"docker-compose config failed ({rc}):\n{output}");
        Assert.Contains("capabilities:", output, StringComparison.Ordinal);
        Assert.Contains("- gpu", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_AMalformedFile_IsRejected()
    {
        // Proves the validation can fail: a replica count that is not a number.
        var (rc, output) = ComposeText("services:\n  a:\n    image: x\n    deploy:\n      replicas: many\n", "config", "-q");
        Assert.NotEqual(0, rc);
        Assert.Contains("replicas", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output) ComposeText(string yaml, params string[] args)
    {
        // Next to the real file, so relative paths (build context, ./infra/...) resolve as they would.
        var path = RepoPaths.File($".build/compose-test-{Guid.NewGuid():N}.yml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        try
        {
            return Compose(path, args);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int ExitCode, string Output) Compose(string file, params string[] args)
    {
        var start = new ProcessStartInfo("docker-compose")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        start.ArgumentList.Add("--project-directory");
        start.ArgumentList.Add(RepoPaths.Root);
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(file);
        if (args.Length == 0)
        {
            args = ["config", "-q"];
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "docker-compose is not installed: run ./build.sh setup (it installs Debian's docker-compose)", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                throw new TimeoutException("docker-compose config took over 30 s");
            }

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
