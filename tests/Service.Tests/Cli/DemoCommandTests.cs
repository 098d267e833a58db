using TokenClean.Cli;
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
            // Through the serve core: every produced sample is once in the lake, as a row or a dead letter.
            var lake = Pipeline.LakeContents.Read(Path.Combine(dir, "lake"));
            var lines = File.ReadAllLines(Path.Combine(ArrowJs.RepoRoot, "examples", "data", "demo.jsonl"));
            var offsets = lake.Offsets();
            Assert.Equal(lines.Length, offsets.Count);
            Assert.Equal(lines.Length, offsets.Distinct().Count());
            Assert.NotEmpty(lake.Rows);
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
