using TokenClean.Service.Cli;

namespace TokenClean.Service.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_OnTheBundledSamples_ExitsZero()
    {
        var exit = await CommandLine.Build().Parse(["demo"]).InvokeAsync();
        Assert.Equal(0, exit);
    }

    [Fact]
    public async Task Demo_WithAMissingInputFile_ExitsTwoWithoutThrowing()
    {
        var exit = await CommandLine.Build().Parse(["demo", "--input", "/nonexistent/samples.jsonl"]).InvokeAsync();
        Assert.Equal(2, exit);
    }
}
