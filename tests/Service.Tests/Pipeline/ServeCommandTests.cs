using System.CommandLine;
using TokenClean.Cli;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>The <c>serve</c> command line: help, and configuration errors that name the bad key (exit 2).</summary>
public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_Help_ListsTheFlagsWithTheirKeysAndEnvironmentVariables()
    {
        var (exit, stdout, _) = await Run("serve", "--help");

        Assert.Equal(0, exit);
        foreach (var text in new[] { "--kafka", "--topics", "--lake", "--base", "--ref", "--keep", "--batch-tokens", "--max-delay-ms", "--kafka-property", "TokenClean__Kafka__BootstrapServers", "TokenClean:Lake:Root", "TokenClean__Selection__KeepRatio" })
        {
            Assert.Contains(text, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Serve_MissingAndBadSettings_ExitsTwoNamingEachKey()
    {
        var (exit, _, stderr) = await Run("serve", "--topics", "in", "--base", "/nonexistent/model", "--keep", "1.5", "--batch-tokens", "0");

        Assert.Equal(2, exit);
        Assert.Contains("TokenClean:Kafka:BootstrapServers is required", stderr, StringComparison.Ordinal);
        Assert.Contains("TokenClean:Lake:Root is required", stderr, StringComparison.Ordinal);
        Assert.Contains("TokenClean:Models:Base: no such directory '/nonexistent/model'", stderr, StringComparison.Ordinal);
        Assert.Contains("TokenClean:Selection:KeepRatio must be in [0, 1]", stderr, StringComparison.Ordinal);
        Assert.Contains("TokenClean:Batching:MaxTokens must be at least 1", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("TokenClean:Kafka:Topics", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ValueOfTheWrongType_ExitsTwoNamingTheKey()
    {
        var (exit, _, stderr) = await Run("serve", "--kafka", "k:9092", "--topics", "in", "--window-samples", "many");

        Assert.Equal(2, exit);
        Assert.Contains("TokenClean:Selection:WindowSamples", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
