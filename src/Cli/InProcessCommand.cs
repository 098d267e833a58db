using System.CommandLine;
using System.Globalization;

namespace TokenClean.Cli;

/// <summary>
/// Runs a tokenclean command in this process through the same command tree the program parses, so that the demo
/// and the benches go through the product's own commands (<c>train</c>, <c>clean</c>, <c>evolve</c>) rather than
/// copies of them.
/// </summary>
internal static class InProcessCommand
{
    /// <summary>Runs <paramref name="args"/>; returns its standard output. Its error output is kept and shown only if it fails.</summary>
    /// <exception cref="InvalidOperationException">The command exited with a non-zero code (the message ends with its last error lines).</exception>
    public static string Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        var exit = CommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).GetAwaiter().GetResult();
        if (exit != 0)
        {
            var tail = string.Join('\n', error.ToString().Split('\n').TakeLast(15));
            throw new InvalidOperationException($"tokenclean {string.Join(' ', args)} exited with {exit}:\n{tail}");
        }

        return output.ToString();
    }
}
