using System.Diagnostics;

namespace TokenClean.Sink.Tests.Support;

/// <summary>Runs a system tool (mount, chattr) and reports whether it succeeded.</summary>
internal static class SystemCommand
{
    public static bool TryRun(string file, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi);
            if (p is null)
            {
                return false;
            }

            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // the tool is not installed
        }
    }
}
