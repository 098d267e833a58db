using TokenClean.Service.Cli;
using TokenClean.Tests.Oracles;

namespace TokenClean.Service.Tests.Cli;

[Collection("libtorch")]
public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_OnTheBundledSamples_WritesArrowOutputAndDeadLettersForEveryLine()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tc-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var exit = await CommandLine.Build().Parse(["demo", "--out", dir]).InvokeAsync();
            Assert.Equal(0, exit);
            var table = ArrowJs.ReadOne(Path.Combine(dir, "cleaned", "demo.arrow"), "--summary");
            var deadLetters = File.ReadAllLines(Path.Combine(dir, "cleaned", "dead-letters.jsonl"));
            var lines = File.ReadAllLines(Path.Combine(ArrowJs.RepoRoot, "examples", "data", "demo.jsonl"));
            Assert.Equal(lines.Length, table.GetProperty("numRows").GetInt32() + deadLetters.Length);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Demo_WithAMissingInputFile_ExitsTwoWithoutThrowing()
    {
        var exit = await CommandLine.Build().Parse(["demo", "--input", "/nonexistent/samples.jsonl"]).InvokeAsync();
        Assert.Equal(2, exit);
    }
}
