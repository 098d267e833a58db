using System.Globalization;

namespace TokenClean.Tests.Shared;

/// <summary>kcat (Debian's package, its own librdkafka): an independent Kafka client that produces test input.</summary>
public static class Kcat
{
    /// <summary>
    /// Produces each line of <paramref name="lines"/> as one message into <paramref name="partition"/> when given
    /// (else librdkafka's partitioner picks, often one partition per burst).
    /// </summary>
    public static void Produce(string bootstrap, string topic, IEnumerable<string> lines, int? partition = null)
    {
        using var dir = new TempDirectory("kcat");
        var file = dir.File("lines.txt");
        File.WriteAllLines(file, lines);
        if (partition is { } p)
        {
            ChildProcess.RunChecked("kcat", "-b", bootstrap, "-t", topic, "-p", p.ToString(CultureInfo.InvariantCulture), "-P", "-l", file);
        }
        else
        {
            ChildProcess.RunChecked("kcat", "-b", bootstrap, "-t", topic, "-P", "-l", file);
        }
    }
}
