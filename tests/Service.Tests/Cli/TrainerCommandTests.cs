using System.CommandLine;
using System.Text.Json;
using TokenClean.Cli;
using TokenClean.Service.StreamTraining;
using TokenClean.Service.Tests.StreamTraining;

namespace TokenClean.Service.Tests.Cli;

/// <summary><c>tokenclean trainer</c> as a user runs it: following a lake into a reference root; argument errors.</summary>
[Collection("libtorch")]
public sealed class TrainerCommandTests : IDisposable
{
    private readonly StreamTrainingFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Trainer_FollowingALake_PublishesVersionsAndCountsThemOnStdout()
    {
        _f.WriteLake(Enumerable.Range(0, 6).Select(_ => _f.Row(0, "v0")).ToList());

        var (exit, stdout, stderr) = await Run([
            "trainer", "--base", _f.BaseDir, "--ref-root", _f.Root, "--lake", _f.LakeRoot, "--rows-per-version", "3", "--max-versions", "2",
            "--lora-rank", "4", "--lora-targets", "q_proj,v_proj", "--batch-size", "3", "--poll-seconds", "0.05"]);

        Assert.True(exit == 0, stderr);
        Assert.Equal(["stream-000001", "stream-000002"], ReferenceRootView.CompleteVersions(_f.Root).Select(v => v.Name));
        Assert.Contains("published stream-000002", stderr, StringComparison.Ordinal);
        Assert.Contains("stream-000001 step 1/1 loss", stderr, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(stdout);
        Assert.Equal(2, summary.RootElement.GetProperty("versions_published").GetInt32());
        Assert.Equal(6, summary.RootElement.GetProperty("rows_seen").GetInt64());
        Assert.True(Directory.Exists(Path.Combine(_f.Root, ".tokenclean-trainer")), "the default state directory is the hidden one in the root");
    }

    [Theory]
    [InlineData("--lake|L|--output-topic|t|--kafka|k:9092", "exactly one of --lake and --output-topic")]
    [InlineData("", "exactly one of --lake and --output-topic")]
    [InlineData("--output-topic|t", "need --kafka")]
    [InlineData("--lake|L|--full|--lora-rank|4", "--full and --lora-rank exclude each other")]
    [InlineData("--lake|L|--rows-per-version|0", "rows per version must be at least 1")]
    public async Task Trainer_BadArguments_Exit2WithTheReason(string extra, string reason)
    {
        var args = new List<string> { "trainer", "--base", _f.BaseDir, "--ref-root", _f.Root };
        args.AddRange(extra.Split('|', StringSplitOptions.RemoveEmptyEntries).Select(a => a == "L" ? _f.LakeRoot : a));

        var (exit, _, stderr) = await Run([.. args]);

        Assert.Equal(2, exit);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> Run(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
