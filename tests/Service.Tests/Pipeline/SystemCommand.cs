using System.Diagnostics;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>Runs a program to completion and returns its stdout; throws with its stderr when it fails.</summary>
internal static class SystemCommand
{
    public static string Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + program);
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {p.ExitCode}: {err.Result}");
        }

        return output;
    }

    /// <summary>
    /// Produces each line of <paramref name="lines"/> as one message with kcat (an independent client), into
    /// <paramref name="partition"/> when given (else librdkafka's partitioner picks, often one partition per burst).
    /// </summary>
    public static void Kcat(string bootstrap, string topic, IEnumerable<string> lines, int? partition = null)
    {
        var file = Path.Combine(Path.GetTempPath(), "tc-kcat-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllLines(file, lines);
        try
        {
            if (partition is { } p)
            {
                Run("kcat", "-b", bootstrap, "-t", topic, "-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "-P", "-l", file);
            }
            else
            {
                Run("kcat", "-b", bootstrap, "-t", topic, "-P", "-l", file);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
