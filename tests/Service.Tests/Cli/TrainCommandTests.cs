using System.CommandLine;
using System.Text.Json;
using TokenClean.Cli;
using TokenClean.Embedded;
using TokenClean.Embedded.Models;
using TokenClean.Scoring.Models;
using TokenClean.Service.Refresh;
using TokenClean.Service.Tests.Refresh;
using TokenClean.Tests.Oracles;

namespace TokenClean.Service.Tests.Cli;

/// <summary>
/// <c>tokenclean train</c> as a user runs it: on the product's own cleaned Arrow output and on chat JSONL, writing a
/// checkpoint that loads and scores; clear errors for a missing base, data without response tokens and bad args.
/// </summary>
[Collection("libtorch")]
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-train-cli-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Train_OnCleanedArrowOutput_ThenOnChatJsonl_WritesCheckpointsThatLoad()
    {
        var demo = Path.Combine(ArrowJs.RepoRoot, "examples", "data", "demo.jsonl");
        var lines = await File.ReadAllLinesAsync(demo);
        var (baseDir, refDir) = DemoAssets.Ensure(Path.Combine(_dir, "models"), lines, merges: 200);
        var cleaned = Path.Combine(_dir, "cleaned");
        Assert.Equal(0, await Invoke(["clean", "--input", demo, "--base", baseDir, "--ref", refDir, "--out", cleaned, "--chat-template", "chatml"]));

        var v1 = Path.Combine(_dir, "refs", "v1");
        var (exit, stdout, stderr) = await Run(["train", "--base", baseDir, "--data", Path.Combine(cleaned, "demo.arrow"), "--out", v1, "--lora-rank", "4", "--max-steps", "3", "--batch-size", "2", "--save-every", "1"]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("step 3/3", stderr, StringComparison.Ordinal);
        Assert.Contains("tokens/s", stderr, StringComparison.Ordinal);
        using (var summary = JsonDocument.Parse(stdout))
        {
            Assert.Equal(3, summary.RootElement.GetProperty("steps").GetInt32());
        }

        Assert.True(File.Exists(Path.Combine(v1, "_COMPLETE")));
        Assert.True(File.Exists(Path.Combine(v1, "tokenizer.json")));
        Assert.Equal(["v1"], Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "refs")).Select(Path.GetFileName)); // state removed after publishing
        using (var model = CausalLm.Load(v1))
        {
            Assert.All(model.TokenLosses([[1, 5, 9, 12, 30]])[0][1..], l => Assert.True(float.IsFinite(l)));
        }

        var v2 = Path.Combine(_dir, "refs", "v2");
        (exit, _, stderr) = await Run(["train", "--base", baseDir, "--data", demo, "--chat-template", "chatml", "--out", v2, "--full", "--max-steps", "2", "--dtype", "bf16"]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("left out: ", stderr, StringComparison.Ordinal); // the demo's malformed lines are reported, not fatal
        var slow = TokenClean.Scoring.Torch.SlowerThanFp32Reason("cpu", TokenClean.Scoring.DType.BFloat16);
        Assert.Equal(slow is not null, stderr.Contains($"warning: {slow}", StringComparison.Ordinal)); // bf16 without bf16 units is said, once it is chosen
        using var full = CausalLm.Load(v2);
        Assert.Equal(2, JsonDocument.Parse(File.ReadAllText(Path.Combine(v2, "tokenclean_training.json"))).RootElement.GetProperty("optimizer_steps").GetInt32());
    }

    [Fact]
    public async Task Train_BadInputs_ExitTwoWithAClearError()
    {
        var baseDir = Path.Combine(_dir, "base");
        RandomCheckpoint.Create(new CheckpointRecipe { Hidden = 32, Vocab = 64 }, baseDir);
        var data = Path.Combine(_dir, "none.jsonl");
        Directory.CreateDirectory(_dir);
        await File.WriteAllTextAsync(data, "{\"input_ids\": [1, 2, 3], \"labels\": [-100, -100, -100]}\n");

        var (exit, _, stderr) = await Run(["train", "--base", Path.Combine(_dir, "missing"), "--data", data, "--out", Path.Combine(_dir, "o1")]);
        Assert.Equal(2, exit);
        Assert.Contains("base model", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await Run(["train", "--base", baseDir, "--data", data, "--out", Path.Combine(_dir, "o2")]);
        Assert.Equal(2, exit);
        Assert.Contains("no sample", stderr, StringComparison.Ordinal);
        Assert.Contains("empty_response", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await Run(["train", "--base", baseDir, "--data", data, "--out", Path.Combine(_dir, "o3"), "--full", "--lora-rank", "8"]);
        Assert.Equal(2, exit);
        Assert.Contains("exclude each other", stderr, StringComparison.Ordinal);

        (exit, _, stderr) = await Run(["train", "--base", baseDir, "--data", data, "--out", Path.Combine(_dir, "o4"), "--lr", "-1"]);
        Assert.Equal(2, exit);
        Assert.Contains("learning rate", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_IntoAReferenceRoot_IsSwappedInByTheRefresher()
    {
        using var ckpt = new CheckpointRoot();
        ckpt.Publish("step-1");
        await using var refresher = await ModelRefresher.StartAsync(ckpt.Options(TimeSpan.FromMilliseconds(20)), ckpt.BaseConfig);
        Assert.Equal("step-1", refresher.Status.CurrentVersion);

        var data = Path.Combine(_dir, "data.jsonl");
        Directory.CreateDirectory(_dir);
        var r = new Random(3);
        await File.WriteAllLinesAsync(data, Enumerable.Range(0, 6).Select(i =>
        {
            var ids = Enumerable.Range(0, 12).Select(_ => r.Next(CheckpointRoot.Tiny.Vocab)).ToArray();
            return JsonSerializer.Serialize(new { id = i, input_ids = ids, labels = ids.Select((t, j) => j < 6 ? -100 : t) });
        }));
        var v2 = Path.Combine(ckpt.Root, "step-2");
        var (exit, _, stderr) = await Run(["train", "--base", ckpt.BaseDir, "--data", data, "--out", v2, "--full", "--max-steps", "3", "--lr", "1e-2", "--save-every", "1"]);
        Assert.True(exit == 0, stderr);

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", TimeSpan.FromSeconds(20)), $"step-2 not swapped in: {refresher.Status.CurrentVersion}");
        using var lease = ((IReferenceModelProvider)refresher).Acquire(0);
        using var trained = CausalLm.Load(v2);
        var probe = ReferenceValidator.ProbeFor(trained);
        Assert.Equal(trained.TokenLosses(probe), lease.Model.TokenLosses(probe));
    }

    private static async Task<int> Invoke(string[] args) =>
        await CommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() });

    private static async Task<(int Exit, string Stdout, string Stderr)> Run(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
