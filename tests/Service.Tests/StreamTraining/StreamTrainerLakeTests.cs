using TokenClean.Scoring.Checkpoints;
using TokenClean.Service.Refresh;
using TokenClean.Service.StreamTraining;
using TokenClean.Service.Tests.Refresh;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.StreamTraining;

/// <summary>
/// The streaming trainer following a lake: a version per N learnable rows, each served by the real refresher, and the
/// crash windows of docs/TRAINING.md — killed while training, while publishing, after the rename — each leaving no
/// half-visible version and, after a restart, no row trained twice or skipped.
/// </summary>
[Collection("libtorch")]
public sealed class StreamTrainerLakeTests : IDisposable
{
    private const int N = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly StreamTrainingFixture _f = new();
    private readonly List<string> _lines = [];

    public void Dispose() => _f.Dispose();

    [Fact]
    public async Task Run_FollowingALake_PublishesAVersionPerNRowsThatTheRefresherServesInTurn()
    {
        var rows = Enumerable.Range(0, N).Select(i => _f.Row(i % 2, "v0")).ToList();
        rows.Add(_f.Row(0, "v0", learnable: false)); // p0-o2: used (cursor moves past it) but not trained on
        _f.WriteLake(rows);
        var trainer = new StreamTrainer(_f.Options(N, maxVersions: 2), Log);
        var run = Task.Run(() => trainer.Run(c => new LakeRowSource(_f.Dataset, c)));
        Assert.True(CheckpointRoot.WaitUntil(() => Directory.Exists(Path.Combine(_f.Root, "stream-000001")), Patience), string.Join('\n', _lines));

        await using var refresher = await ModelRefresher.StartAsync(_f.Checkpoints.Options(), _f.Checkpoints.BaseConfig);
        Assert.Equal("stream-000001", refresher.Status.CurrentVersion);

        // The next N rows, scored by the version just served, arrive later (two files: partitions 0 and 1).
        _f.WriteLake(Enumerable.Range(0, N).Select(i => _f.Row(i % 2, "stream-000001")).ToList());
        Assert.Equal(2, await run.WaitAsync(Patience));
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "stream-000002", Patience), refresher.Status.CurrentVersion);

        var v1 = Path.Combine(_f.Root, "stream-000001");
        var v2 = Path.Combine(_f.Root, "stream-000002");
        Assert.Equal(["p0-o0", "p0-o1", "p1-o0", "p1-o1"], StreamTrainingFixture.TrainedIds(v1));
        Assert.Equal(["p0-o3", "p0-o4", "p1-o2", "p1-o3"], StreamTrainingFixture.TrainedIds(v2));
        Assert.Contains(StreamTrainingFixture.Rows(v1), r => r["sample_id"]!.GetValue<string>() == "p0-o2" && !r["trained"]!.GetValue<bool>());
        Assert.All(StreamTrainingFixture.Rows(v2), r => Assert.Equal("stream-000001", r["scored_by"]!.GetValue<string>()));
        Assert.Equal("stream-000001", ReferenceRootView.Manifest(v2)!["parent"]!.GetValue<string>());
        Assert.Equal("base", ReferenceRootView.Manifest(v1)!["parent"]!.GetValue<string>());

        // The served model is the published checkpoint, and training changed it.
        using (var lease = refresher.Acquire())
        {
            Assert.Equal(CheckpointRoot.ProbeLosses(v2), lease.Model.TokenLosses(ReferenceValidator.ProbeFor(lease.Model)));
        }

        Assert.NotEqual(CheckpointRoot.ProbeLosses(v1)[0], CheckpointRoot.ProbeLosses(v2)[0]);
        Assert.Contains(_lines, l => l.StartsWith("published stream-000002", StringComparison.Ordinal) && l.Contains("tokens/s", StringComparison.Ordinal) && l.Contains("versions published 2", StringComparison.Ordinal));
        Assert.Contains(_lines, l => l.Contains("stream-000001 step 2/2 loss", StringComparison.Ordinal));
    }

    [Fact]
    public void Restart_ContinuesAfterThePublishedRows_NeverTrainingARowTwice()
    {
        _f.WriteLake(Enumerable.Range(0, 3 * N).Select(i => _f.Row(0, "v0")).ToList());

        Assert.Equal(1, new StreamTrainer(_f.Options(N), Log).Run(c => new LakeRowSource(_f.Dataset, c)));
        Assert.Equal(1, new StreamTrainer(_f.Options(N), Log).Run(c => new LakeRowSource(_f.Dataset, c)));

        var v1 = StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000001"));
        var v2 = StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000002"));
        Assert.Equal(Enumerable.Range(0, N).Select(o => $"p0-o{o}"), v1);
        Assert.Equal(Enumerable.Range(N, N).Select(o => $"p0-o{o}"), v2);
        var mirror = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(_f.Dir, "state", "cursor.json")))!;
        Assert.Equal("stream-000002", mirror["version"]!.GetValue<string>());
        Assert.Equal(StreamCursor.FromJson(ReferenceRootView.Manifest(Path.Combine(_f.Root, "stream-000002"))!["cursor_after"]), StreamCursor.FromJson(mirror["cursor"]));
        Assert.Equal(new StreamPosition(0, 2 * N), StreamCursor.FromJson(mirror["cursor"])["lake:sft+0"]);

        // Only N rows are left after restart: a third version needs more, so nothing is published while waiting.
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        Assert.ThrowsAny<OperationCanceledException>(() => new StreamTrainer(_f.Options(N + 1), Log).Run(c => new LakeRowSource(_f.Dataset, c), cts.Token));
        Assert.Equal(2, ReferenceRootView.CompleteVersions(_f.Root).Count);
    }

    [Fact]
    public void KilledWhileTraining_PublishesNothing_AndTheRestartTrainsTheSameRows()
    {
        _f.WriteLake(Enumerable.Range(0, 2 * N).Select(i => _f.Row(0, "v0")).ToList());
        var dying = _f.Options(N) with { Fault = (stage, _) => Die(stage == StreamTrainerStage.TrainingStep) };

        Assert.Throws<SimulatedCrash>(() => new StreamTrainer(dying, Log).Run(c => new LakeRowSource(_f.Dataset, c)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_f.Root)); // the state lives outside the root in these tests

        Assert.Equal(1, new StreamTrainer(_f.Options(N), Log).Run(c => new LakeRowSource(_f.Dataset, c)));
        Assert.Equal(Enumerable.Range(0, N).Select(o => $"p0-o{o}"), StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000001")));
    }

    [Fact]
    public async Task KilledWhilePublishing_LeavesNoVersionTheRefresherSees_AndTheRestartPublishesItWhole()
    {
        _f.WriteLake(Enumerable.Range(0, 2 * N).Select(i => _f.Row(0, "v0")).ToList());
        var dying = _f.Options(N) with { Fault = (stage, _) => Die(stage == StreamTrainerStage.Staged) };
        Assert.Throws<SimulatedCrash>(() => new StreamTrainer(dying, Log).Run(c => new LakeRowSource(_f.Dataset, c)));

        // What a process killed inside the checkpoint writer leaves too: a hidden folder with a truncated weights file.
        var killedWriter = Path.Combine(_f.Root, "..stream-000001.staging.tmp-0123");
        Directory.CreateDirectory(killedWriter);
        File.WriteAllBytes(Path.Combine(killedWriter, "model.safetensors"), new byte[100]);
        Assert.True(Directory.Exists(Path.Combine(_f.Root, ".stream-000001.staging")), "the fault was not at the publish step");

        // The real refresher sees no version at all (a hidden folder is work in progress, whatever it holds).
        var none = await Assert.ThrowsAsync<CheckpointException>(() => ModelRefresher.StartAsync(_f.Checkpoints.Options(), _f.Checkpoints.BaseConfig));
        Assert.Contains("no usable reference checkpoint", none.Message, StringComparison.Ordinal);

        Assert.Equal(1, new StreamTrainer(_f.Options(N), Log).Run(c => new LakeRowSource(_f.Dataset, c)));
        Assert.Equal(["stream-000001"], ReferenceRootView.CompleteVersions(_f.Root).Select(v => v.Name));
        Assert.Equal(Enumerable.Range(0, N).Select(o => $"p0-o{o}"), StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000001")));
        Assert.DoesNotContain(Directory.EnumerateDirectories(_f.Root), d => Path.GetFileName(d).Contains("staging", StringComparison.Ordinal));
        Assert.Contains(_lines, l => l.StartsWith("removed the unfinished publish .stream-000001.staging", StringComparison.Ordinal));
        await using var refresher = await ModelRefresher.StartAsync(_f.Checkpoints.Options(), _f.Checkpoints.BaseConfig);
        Assert.Equal("stream-000001", refresher.Status.CurrentVersion);
    }

    [Fact]
    public void KilledAfterTheRename_BeforeTheStateMirror_RestartContinuesFromTheVersionsManifest()
    {
        _f.WriteLake(Enumerable.Range(0, 2 * N).Select(i => _f.Row(0, "v0")).ToList());
        var dying = _f.Options(N) with { Fault = (stage, _) => Die(stage == StreamTrainerStage.Published) };
        Assert.Throws<SimulatedCrash>(() => new StreamTrainer(dying, Log).Run(c => new LakeRowSource(_f.Dataset, c)));
        Assert.False(File.Exists(Path.Combine(_f.Dir, "state", "cursor.json")));

        Assert.Equal(1, new StreamTrainer(_f.Options(N), Log).Run(c => new LakeRowSource(_f.Dataset, c)));

        Assert.Equal(Enumerable.Range(0, N).Select(o => $"p0-o{o}"), StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000001")));
        Assert.Equal(Enumerable.Range(N, N).Select(o => $"p0-o{o}"), StreamTrainingFixture.TrainedIds(Path.Combine(_f.Root, "stream-000002")));
    }

    [TmpfsFact]
    public void DiskFullWhilePublishing_FailsClearly_LeavesNoVersionAndNoUsedRows()
    {
        _f.WriteLake(Enumerable.Range(0, N).Select(i => _f.Row(0, "v0")).ToList());
        var small = Path.Combine(_f.Dir, "small-root");
        Directory.CreateDirectory(small);
        Assert.True(ChildProcess.TryRun("mount", "-t", "tmpfs", "-o", "size=24k", "tmpfs", small));
        try
        {
            var e = Assert.ThrowsAny<IOException>(() => new StreamTrainer(_f.Options(N, root: small), Log).Run(c => new LakeRowSource(_f.Dataset, c)));
            Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(small)); // no version, no hidden leftovers
            Assert.False(File.Exists(Path.Combine(_f.Dir, "state", "cursor.json")));
        }
        finally
        {
            ChildProcess.TryRun("umount", "-l", small);
        }

        // With space again, the same rows make the first version.
        Assert.Equal(1, new StreamTrainer(_f.Options(N, root: small), Log).Run(c => new LakeRowSource(_f.Dataset, c)));
        Assert.Equal(Enumerable.Range(0, N).Select(o => $"p0-o{o}"), StreamTrainingFixture.TrainedIds(Path.Combine(small, "stream-000001")));
    }

    private static void Die(bool now)
    {
        if (now)
        {
            throw new SimulatedCrash();
        }
    }

    private void Log(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    private sealed class SimulatedCrash : Exception
    {
    }
}

/// <summary>A fact that needs a small tmpfs mounted (root): skipped with the reason elsewhere.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "tc-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            if (!ChildProcess.TryRun("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", dir))
            {
                return "cannot mount a tmpfs here (needs root): no real ENOSPC to publish into";
            }

            ChildProcess.TryRun("umount", "-l", dir);
            return null;
        }
        finally
        {
            Directory.Delete(dir);
        }
    });

    public TmpfsFactAttribute()
    {
        if (Missing.Value is { } reason)
        {
            Skip = reason;
        }
    }
}
