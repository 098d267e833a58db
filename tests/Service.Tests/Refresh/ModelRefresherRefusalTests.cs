using Microsoft.Extensions.Logging;
using TokenClean.Scoring.Models;
using TokenClean.Service.Observability;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

/// <summary>Bad checkpoints are refused with their reason, once, and the serving reference stays.</summary>
[Collection("libtorch")]
public sealed class ModelRefresherRefusalTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly CheckpointRoot _ckpt = new();

    public void Dispose() => _ckpt.Dispose();

    /// <summary>Each way a published version can be unusable, and a fragment of the reason it must be refused with.</summary>
    public static TheoryData<string, string> BadCheckpoints => new()
    {
        { "truncated-safetensors", "truncated" },
        { "garbage-header", "not valid JSON" },
        { "nan-weight", "non-finite loss" },
        { "other-vocab", "vocab_size 64 (expected 128)" },
        { "other-architecture", "architecture Qwen2 (expected Llama)" },
        { "other-hidden-size", "hidden_size 64 (expected 32)" },
        { "missing-config", "config.json: missing" },
        { "missing-tensor", "is missing" },
    };

    [Theory]
    [MemberData(nameof(BadCheckpoints))]
    public async Task Poll_BadCheckpoint_RefusedWithReasonOnceAndOldKeepsServing(string kind, string reasonFragment)
    {
        var good = _ckpt.Publish("step-1");
        var expected = CheckpointRoot.ProbeLosses(good);
        var logger = new ListLogger();
        using var metrics = new PipelineMetrics();
        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig, logger, metrics);

        PublishBad(kind, "step-2");

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.LastRefusal is not null, Patience));
        var refusal = refresher.Status.LastRefusal!;
        Assert.Equal("step-2", refusal.Version);
        Assert.Contains(reasonFragment, refusal.Reason, StringComparison.Ordinal);
        Assert.True(logger.Has(LogLevel.Warning, "reference checkpoint step-2 refused, step-1 keeps serving: "), string.Join("\n", logger.Lines));
        Assert.True(logger.Has(LogLevel.Warning, reasonFragment));

        // Not retried in a loop: later checks skip it.
        var attempts = refresher.LoadAttempts;
        var checks = refresher.Checks;
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Checks >= checks + 3, Patience));
        Assert.Equal(attempts, refresher.LoadAttempts);
        Assert.Equal(1, refresher.Status.RefusedCount);

        // The old model keeps serving, and still scores what it scored before.
        Assert.Equal("step-1", refresher.Status.CurrentVersion);
        Assert.Equal("step-1", metrics.ReferenceVersion);
        using var lease = refresher.Acquire();
        Assert.Equal("step-1", lease.Version);
        var losses = lease.Model.TokenLosses(ReferenceValidator.ProbeFor(lease.Model));
        AssertSameLosses(expected, losses);
    }

    [Fact]
    public async Task Poll_RefusedVersionRepublishedWithNewMarker_IsTriedAgainAndAccepted()
    {
        _ckpt.Publish("step-1");
        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig);
        var dir = _ckpt.Publish("step-2", marker: false);
        CheckpointRoot.PoisonOneWeight(dir);
        CheckpointRoot.WriteMarker(dir);
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.LastRefusal?.Version == "step-2", Patience));

        // The trainer fixes the files and writes the marker again (a new write time).
        File.Delete(Path.Combine(dir, RefreshOptions.DefaultMarkerFileName));
        _ckpt.Publish("step-2", marker: false);
        File.WriteAllText(Path.Combine(dir, RefreshOptions.DefaultMarkerFileName), "republished, a different size");

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));
        Assert.Equal(1, refresher.Status.RefreshCount);
    }

    [Fact]
    public async Task Poll_NewestRefusedButANewerThanCurrentOneValid_ServesTheValidOne()
    {
        _ckpt.Publish("step-1");
        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(Timeout.InfiniteTimeSpan), _ckpt.BaseConfig);
        _ckpt.Publish("step-2");
        var bad = _ckpt.Publish("step-3", marker: false);
        CheckpointRoot.PoisonOneWeight(bad);
        CheckpointRoot.WriteMarker(bad);

        refresher.RequestCheck();

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));
        Assert.Equal("step-3", refresher.Status.LastRefusal?.Version);
    }

    [Fact]
    public async Task StartAsync_OnlyVersionIsBad_FailsWithItsReason()
    {
        var bad = _ckpt.Publish("step-1", marker: false);
        CheckpointRoot.PoisonOneWeight(bad);
        CheckpointRoot.WriteMarker(bad);

        var e = await Assert.ThrowsAsync<Scoring.Checkpoints.CheckpointException>(() => ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig));

        Assert.Contains("step-1: refused: probe batch gives a non-finite loss", e.Message, StringComparison.Ordinal);
    }

    private void PublishBad(string kind, string version)
    {
        string dir;
        switch (kind)
        {
            case "other-vocab":
                _ckpt.PublishRecipe(version, CheckpointRoot.Tiny with { Vocab = 64 });
                return;
            case "other-architecture":
                _ckpt.PublishRecipe(version, CheckpointRoot.Tiny with { Variant = "qwen2" });
                return;
            case "other-hidden-size":
                _ckpt.PublishRecipe(version, CheckpointRoot.Tiny with { Hidden = 64 });
                return;
        }

        dir = _ckpt.Publish(version, marker: false);
        var weights = Path.Combine(dir, "model.safetensors");
        switch (kind)
        {
            case "truncated-safetensors":
                using (var f = new FileStream(weights, FileMode.Open))
                {
                    f.SetLength(f.Length / 2);
                }

                break;
            case "garbage-header":
                using (var f = new FileStream(weights, FileMode.Open))
                {
                    f.Position = 8;
                    f.Write("#garbage#garbage"u8);
                }

                break;
            case "nan-weight":
                CheckpointRoot.PoisonOneWeight(dir);
                break;
            case "missing-config":
                File.Delete(Path.Combine(dir, "config.json"));
                break;
            case "missing-tensor":
                RemoveTensor(weights, "model.norm.weight");
                break;
            default:
                throw new ArgumentException(kind, nameof(kind));
        }

        CheckpointRoot.WriteMarker(dir);
    }

    private static void RemoveTensor(string path, string name)
    {
        var items = new List<Scoring.Checkpoints.SafetensorsWriter.Item>();
        using (var file = Scoring.Checkpoints.SafetensorsFile.Open(path))
        {
            foreach (var (n, entry) in file.Entries)
            {
                if (n != name)
                {
                    items.Add(new(n, entry.DType, entry.Shape, file.RawBytes(entry).ToArray()));
                }
            }
        }

        Scoring.Checkpoints.SafetensorsWriter.Write(path, items);
    }

    private static void AssertSameLosses(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var j = 1; j < expected[i].Length; j++)
            {
                Assert.Equal(expected[i][j], actual[i][j], 1e-5f);
            }
        }
    }
}
