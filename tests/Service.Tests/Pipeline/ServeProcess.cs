using System.Diagnostics;
using System.Text;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <c>dotnet tokenclean.dll serve ...</c> as a child process (the test assembly's output folder holds tokenclean.dll).
/// Output is collected; <see cref="Kill"/> sends SIGKILL, <see cref="Terminate"/> SIGTERM.
/// </summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the child wrote so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>tokenclean serve</c> with <paramref name="args"/> and optional environment variables.</summary>
    public static ServeProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tokenclean.dll"));
        psi.ArgumentList.Add("serve");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        return new ServeProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet"));
    }

    /// <summary>The usual flags for a test: mock broker, tiny models, chatml, the classic group protocol with the test timings.</summary>
    public static List<string> Args(string bootstrap, string topic, string lake, string group, params string[] extra) =>
        ArgsFor(GroupProtocols.Classic, bootstrap, topic, lake, group, extra);

    /// <summary>As <see cref="Args"/>, under the given consumer group protocol (<see cref="GroupProtocols"/>).</summary>
    public static List<string> ArgsFor(string protocol, string bootstrap, string topic, string lake, string group, params string[] extra) =>
    [
        "--kafka", bootstrap, "--topics", topic, "--group", group, "--lake", lake,
        "--base", StreamingAssets.BaseDir, "--ref", StreamingAssets.RefDir, "--chat-template", "chatml",
        // The session timeout bounds how long a killed member holds its partitions (GroupProtocols has the timings).
        .. GroupProtocols.ServeFlags(protocol),
        .. extra,
    ];

    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (_process.HasExited)
            {
                return Output.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(20);
        }

        return false;
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Terminate() => ChildProcess.RunChecked("kill", "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // drains the output readers
        return true;
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
