using TokenClean.Cli;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Tests.Cli;

public sealed class CreateCheckpointCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-cli-ckpt-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task CreateCheckpoint_ThenFrom_WritesLoadableBaseAndADifferentReference()
    {
        var baseDir = Path.Combine(_dir, "base");
        var refDir = Path.Combine(_dir, "ref");
        var exit = await CommandLine.Build().Parse(["create-checkpoint", "--arch", "qwen2", "--out", baseDir, "--seed", "5", "--hidden", "32", "--heads", "2", "--kv-heads", "1", "--vocab", "100", "--dtype", "bfloat16"]).InvokeAsync();
        Assert.Equal(0, exit);
        exit = await CommandLine.Build().Parse(["create-checkpoint", "--from", baseDir, "--out", refDir, "--perturb", "0.05", "--seed", "6"]).InvokeAsync();
        Assert.Equal(0, exit);

        using var b = CausalLm.Load(baseDir);
        using var r = CausalLm.Load(refDir);
        Assert.Equal(Architecture.Qwen2, b.Config.Architecture);
        Assert.Equal((32, 2, 1, 100), (b.Config.HiddenSize, b.Config.NumHeads, b.Config.NumKeyValueHeads, b.VocabSize));
        int[] ids = [1, 5, 9, 42, 99, 3, 7];
        Assert.NotEqual(b.TokenLosses([ids])[0][1..], r.TokenLosses([ids])[0][1..]);
    }

    [Fact]
    public async Task CreateCheckpoint_FromAMissingDirectory_ExitsOneWithoutThrowing()
    {
        var exit = await CommandLine.Build().Parse(["create-checkpoint", "--from", Path.Combine(_dir, "nope"), "--out", Path.Combine(_dir, "x")]).InvokeAsync();
        Assert.Equal(1, exit);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
