using System.ComponentModel;
using System.Diagnostics;

namespace TokenClean.Tests.Shared;

/// <summary>What a finished child process printed and returned.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// Child processes of tests: system tools (chattr, mount, kcat, ldd), oracles (node, python3) and the test
/// assembly itself as a child to kill. Output is read on both pipes at once, so a chatty child never blocks.
/// </summary>
public static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="program"/> to completion, with <paramref name="args"/>, <paramref name="stdin"/> written
    /// to it, in <paramref name="workingDirectory"/>, and <paramref name="environment"/>'s variables set in its
    /// environment (a null value removes one).
    /// </summary>
    /// <exception cref="Win32Exception">The program is not installed.</exception>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (it is killed).</exception>
    public static ProcessResult Run(
        string program,
        IEnumerable<string> args,
        string? stdin = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = Info(program, args, workingDirectory, stdin is not null);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        using var p = Process.Start(info)
            ?? throw new InvalidOperationException("could not start " + program);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        if (!p.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout ?? TimeSpan.FromMinutes(5)}");
        }

        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs <paramref name="program"/> and returns its stdout; throws with its stderr when it exits non-zero.</summary>
    public static string RunChecked(string program, params string[] args)
    {
        var r = Run(program, args);
        return r.ExitCode == 0
            ? r.Stdout
            : throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}{r.Stdout}");
    }

    /// <summary>True when <paramref name="program"/> is installed and exits 0 (for tools whose failure a test tolerates).</summary>
    public static bool TryRun(string program, params string[] args)
    {
        try
        {
            return Run(program, args).ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false; // not installed
        }
    }

    /// <summary>Runs a node script of tests/oracles (the npm oracles live there), in that folder.</summary>
    public static ProcessResult Node(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null) =>
        Run("node", args, stdin, RepoRoot.File("tests", "oracles"), timeout);

    /// <summary>The dotnet host running these tests (<c>DOTNET_HOST_PATH</c>, set by <c>dotnet test</c>), else <c>dotnet</c> on PATH.</summary>
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    /// <summary>Starts a .NET assembly (a test assembly's own entry point) as a child the test may kill.</summary>
    public static Process StartDotnet(string assemblyPath, params string[] args) =>
        Process.Start(Info(Dotnet, [assemblyPath, .. args], null, false))
        ?? throw new InvalidOperationException("could not start the child process");

    private static ProcessStartInfo Info(string program, IEnumerable<string> args, string? workingDirectory, bool stdin)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }
}
