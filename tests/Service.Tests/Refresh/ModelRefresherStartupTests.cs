using TokenClean.Scoring.Checkpoints;
using TokenClean.Service.Observability;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

/// <summary>Startup, picking up new versions, ordering and the poll interval.</summary>
[Collection("libtorch")]
public sealed class ModelRefresherStartupTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly CheckpointRoot _ckpt = new();

    public void Dispose() => _ckpt.Dispose();

    [Fact]
    public async Task StartAsync_NoCompleteVersion_FailsNamingRootMarkerAndWhatWasFound()
    {
        _ckpt.Publish("step-1", marker: false);

        var e = await Assert.ThrowsAsync<CheckpointException>(() => ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig));

        Assert.Contains(_ckpt.Root, e.Message, StringComparison.Ordinal);
        Assert.Contains("'_COMPLETE'", e.Message, StringComparison.Ordinal);
        Assert.Contains("step-1: no _COMPLETE marker yet", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_RootMissing_FailsSayingSo()
    {
        var options = _ckpt.Options() with { Root = Path.Combine(_ckpt.Dir, "nowhere") };

        var e = await Assert.ThrowsAsync<CheckpointException>(() => ModelRefresher.StartAsync(options, _ckpt.BaseConfig));

        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NothingWithinStartupTimeout_FailsAfterWaiting()
    {
        var options = _ckpt.Options() with { StartupTimeout = TimeSpan.FromMilliseconds(400) };
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<CheckpointException>(() => ModelRefresher.StartAsync(options, _ckpt.BaseConfig));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"gave up after {clock.Elapsed}");
        Assert.Contains("after waiting 00:00:00.4", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_OnlyVersionRefusedWhileWaiting_FailsWithItsReason()
    {
        _ckpt.PublishRecipe("step-1", CheckpointRoot.Tiny with { Vocab = 64 });
        var options = _ckpt.Options() with { StartupTimeout = TimeSpan.FromMilliseconds(300) };

        var e = await Assert.ThrowsAsync<CheckpointException>(() => ModelRefresher.StartAsync(options, _ckpt.BaseConfig));

        Assert.Contains("step-1: refused: differs from the base model: vocab_size 64 (expected 128)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AfterARefusal_SerializesForTheStatusPage()
    {
        _ckpt.Publish("step-1");
        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig);
        _ckpt.PublishRecipe("step-2", CheckpointRoot.Tiny with { Vocab = 64 });
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.LastRefusal is not null, Patience));

        var json = System.Text.Json.JsonSerializer.Serialize<object>(refresher.Status, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
        using var doc = System.Text.Json.JsonDocument.Parse(json);

        Assert.Equal("directory", doc.RootElement.GetProperty("mode").GetString());
        Assert.Equal("step-1", doc.RootElement.GetProperty("currentVersion").GetString());
        Assert.Equal(0, doc.RootElement.GetProperty("refreshCount").GetInt32());
        Assert.Equal(1, doc.RootElement.GetProperty("refusedCount").GetInt32());
        Assert.Equal("step-2", doc.RootElement.GetProperty("lastRefusal").GetProperty("version").GetString());
        Assert.Contains("vocab_size 64", doc.RootElement.GetProperty("lastRefusal").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_FirstVersionAppearsWithinStartupTimeout_ServesIt()
    {
        var options = _ckpt.Options() with { StartupTimeout = TimeSpan.FromSeconds(30) };
        var start = ModelRefresher.StartAsync(options, _ckpt.BaseConfig);
        await Task.Delay(300);
        Assert.False(start.IsCompleted);

        _ckpt.Publish("step-1");
        await using var refresher = await start.WaitAsync(Patience);

        using var lease = refresher.Acquire();
        Assert.Equal("step-1", lease.Version);
    }

    [Fact]
    public async Task StartAsync_SeveralVersions_ServesTheNewestCompleteOneInNaturalOrder()
    {
        _ckpt.Publish("step-9");
        _ckpt.Publish("step-10");
        _ckpt.Publish("step-100", marker: false); // still being written
        _ckpt.Publish(".step-200");               // a trainer's hidden temporary directory
        var logger = new ListLogger();

        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig, logger);

        using var lease = refresher.Acquire();
        Assert.Equal("step-10", lease.Version);
        Assert.Equal("step-10", lease.Model.Version);
        Assert.Equal(0, refresher.Status.RefreshCount);
        Assert.Equal(Path.Combine(_ckpt.Root, "step-10"), refresher.Status.CurrentPath);
        Assert.True(logger.Has(Microsoft.Extensions.Logging.LogLevel.Information, "reference step-10 now serving"));
    }

    [Fact]
    public async Task Poll_NewVersionPublished_IsSwappedInCountedAndReported()
    {
        _ckpt.Publish("step-1");
        using var metrics = new PipelineMetrics();
        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig, null, metrics);
        var firstLoadedAt = refresher.Status.LoadedAt;

        _ckpt.Publish("step-2");

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));
        using var lease = refresher.Acquire();
        Assert.Equal("step-2", lease.Version);
        Assert.Equal(1, refresher.Status.RefreshCount);
        Assert.True(refresher.Status.LoadedAt > firstLoadedAt);
        Assert.Null(refresher.Status.Loading);
        Assert.Equal("step-2", metrics.ReferenceVersion);
    }

    [Fact]
    public async Task Poll_MarkerWrittenLater_VersionIgnoredUntilThenLoadedAfter()
    {
        _ckpt.Publish("step-1");
        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig);
        var dir = _ckpt.Publish("step-2", marker: false);
        var checks = refresher.Checks;
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Checks >= checks + 3, Patience));

        Assert.Equal("step-1", refresher.Status.CurrentVersion);
        Assert.Equal(1, refresher.LoadAttempts); // the first load only: an incomplete version is never read
        Assert.Null(refresher.Status.LastRefusal);

        CheckpointRoot.WriteMarker(dir);
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));
    }

    [Fact]
    public async Task Poll_CustomMarkerName_OnlyThatFileCompletesAVersion()
    {
        var first = _ckpt.Publish("step-1", marker: false);
        CheckpointRoot.WriteMarker(first, "READY");
        var options = _ckpt.Options() with { MarkerFileName = "READY" };
        await using var refresher = await ModelRefresher.StartAsync(options, _ckpt.BaseConfig);
        var second = _ckpt.Publish("step-2"); // writes _COMPLETE, which means nothing here
        var checks = refresher.Checks;
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Checks >= checks + 3, Patience));
        Assert.Equal("step-1", refresher.Status.CurrentVersion);

        CheckpointRoot.WriteMarker(second, "READY");

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));
    }

    [Fact]
    public async Task Poll_OlderVersionAppearsLater_NeverGoesBackwards()
    {
        _ckpt.Publish("step-20");
        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(), _ckpt.BaseConfig);

        _ckpt.Publish("step-3"); // "3" < "20" numerically although "3" > "2" as text
        var checks = refresher.Checks;
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Checks >= checks + 3, Patience));

        Assert.Equal("step-20", refresher.Status.CurrentVersion);
        Assert.Equal(1, refresher.LoadAttempts);
    }

    [Fact]
    public async Task Poll_Interval_IsHonouredWithoutBusyLooping()
    {
        _ckpt.Publish("step-1");
        var options = _ckpt.Options(TimeSpan.FromMilliseconds(200));
        await using var refresher = await ModelRefresher.StartAsync(options, _ckpt.BaseConfig);
        var before = refresher.Checks;

        await Task.Delay(1100);

        var checks = refresher.Checks - before;
        Assert.InRange(checks, 2, 7); // ~5 expected; a busy loop would do thousands
    }

    [Fact]
    public async Task RequestCheck_InfinitePollInterval_LooksOnlyWhenAsked()
    {
        _ckpt.Publish("step-1");
        var options = _ckpt.Options(Timeout.InfiniteTimeSpan);
        await using var refresher = await ModelRefresher.StartAsync(options, _ckpt.BaseConfig);
        _ckpt.Publish("step-2");
        await Task.Delay(300);
        Assert.Equal("step-1", refresher.Status.CurrentVersion);

        refresher.RequestCheck();

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));
    }
}
