using System.Collections.Concurrent;
using TokenClean.Scoring;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

/// <summary>Leases: swaps only between batches, one version per batch, replaced models disposed exactly once.</summary>
[Collection("libtorch")]
public sealed class ModelRefresherLeaseTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly CheckpointRoot _ckpt = new();

    public void Dispose() => _ckpt.Dispose();

    [Fact]
    public async Task Acquire_ScorerLoopWhileTrainerPublishes_EachBatchScoredByExactlyOneVersionInOrder()
    {
        string[] versions = ["step-1", "step-2", "step-3", "step-4"];
        _ckpt.Publish(versions[0]);
        var expected = new Dictionary<string, float[][]>(StringComparer.Ordinal)
        {
            [versions[0]] = CheckpointRoot.ProbeLosses(Path.Combine(_ckpt.Root, versions[0])),
        };
        for (var v = 1; v < versions.Length; v++)
        {
            // Written outside the root first so the expected losses exist before the refresher can see the version.
            var staging = _ckpt.Publish(versions[v], marker: false, parent: _ckpt.Dir);
            expected[versions[v]] = CheckpointRoot.ProbeLosses(staging);
        }

        await using var refresher = await ModelRefresher.StartAsync(_ckpt.Options(TimeSpan.FromMilliseconds(20)), _ckpt.BaseConfig);
        var batches = new ConcurrentQueue<string>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        var scorer = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var lease = refresher.Acquire();
                var version = lease.Version;
                if (lease.Model.Version != version)
                {
                    failures.Enqueue($"lease says {version}, model says {lease.Model.Version}");
                }

                var probe = ReferenceValidator.ProbeFor(lease.Model);
                for (var call = 0; call < 3; call++) // one "batch" = several forward passes under one lease
                {
                    var losses = lease.Model.TokenLosses(probe);
                    if (!SameLosses(expected[version], losses))
                    {
                        failures.Enqueue($"batch under {version}: call {call} did not give {version}'s losses");
                    }

                    Thread.Yield();
                }

                batches.Enqueue(version);
            }
        });

        for (var v = 1; v < versions.Length; v++)
        {
            await Task.Delay(150);
            Directory.Move(Path.Combine(_ckpt.Dir, versions[v]), Path.Combine(_ckpt.Root, versions[v]));
            CheckpointRoot.WriteMarker(Path.Combine(_ckpt.Root, versions[v]));
        }

        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == versions[^1], Patience));
        var seen = batches.Count;
        Assert.True(CheckpointRoot.WaitUntil(() => batches.Count >= seen + 3 || scorer.IsFaulted, Patience));
        await stop.CancelAsync();
        await scorer;

        Assert.Empty(failures);
        var order = batches.ToArray();
        Assert.Equal(versions[0], order[0]);
        Assert.Equal(versions[^1], order[^1]);
        for (var i = 1; i < order.Length; i++)
        {
            Assert.True(CheckpointVersionComparer.Instance.Compare(order[i - 1], order[i]) <= 0, $"batch {i} went back from {order[i - 1]} to {order[i]}");
        }
    }

    [Fact]
    public async Task Lease_ReplacedVersion_DisposedExactlyOnceWhenItsLastLeaseEnds()
    {
        _ckpt.Publish("step-1");
        using (var warm = Scoring.Models.CausalLm.Load(_ckpt.BaseDir))
        {
            _ = warm.TokenLosses(ReferenceValidator.ProbeFor(warm)); // first-use native allocations out of the baseline
        }

        var baseline = Torch.ModelTensors;
        var refresher = await ModelRefresher.StartAsync(_ckpt.Options(Timeout.InfiniteTimeSpan), _ckpt.BaseConfig);
        var perModel = Torch.ModelTensors - baseline;
        Assert.True(perModel > 0);

        var first = refresher.Acquire();
        var second = refresher.Acquire();
        Assert.Equal("step-1", first.Version);
        _ckpt.Publish("step-2");
        refresher.RequestCheck();
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", Patience));

        // step-1 is replaced but two batches still hold it: both models are alive and step-1 still scores.
        Assert.Equal(baseline + (2 * perModel), Torch.ModelTensors);
        _ = first.Model.TokenLosses(ReferenceValidator.ProbeFor(first.Model));
        first.Dispose();
        first.Dispose(); // a second dispose of the same lease releases nothing more
        Assert.Equal(baseline + (2 * perModel), Torch.ModelTensors);
        _ = second.Model.TokenLosses(ReferenceValidator.ProbeFor(second.Model));
        second.Dispose();
        Assert.Equal(baseline + perModel, Torch.ModelTensors);

        // Disposing the refresher under a running batch keeps that batch's model until the lease ends.
        var third = refresher.Acquire();
        Assert.Equal("step-2", third.Version);
        await refresher.DisposeAsync();
        Assert.Equal(baseline + perModel, Torch.ModelTensors);
        _ = third.Model.TokenLosses(ReferenceValidator.ProbeFor(third.Model));
        third.Dispose();
        Assert.Equal(baseline, Torch.ModelTensors);
        Assert.Throws<ObjectDisposedException>(() => refresher.Acquire());
        Assert.Throws<ObjectDisposedException>(() => third.Model);
    }

    [Fact]
    public async Task Acquire_ManyThreadsRacingSwaps_NeverReturnsADisposedModel()
    {
        // Four scorers hold four pool threads in a loop: the scoring kernels' parallel work must not need the pool
        // (on Parallel.For this stalled for minutes). Head size 16, so the attention kernel runs too.
        using var ckpt = new CheckpointRoot(CheckpointRoot.TinyKernelSized);
        ckpt.Publish("step-01");
        await using var refresher = await ModelRefresher.StartAsync(ckpt.Options(TimeSpan.FromMilliseconds(10)), ckpt.BaseConfig);
        using var stop = new CancellationTokenSource();
        var errors = new ConcurrentQueue<Exception>();
        var leases = 0L;
        var racers = new Task[4];
        for (var t = 0; t < racers.Length; t++)
        {
            racers[t] = Task.Run(() =>
            {
                var tiny = new[] { new[] { 1, 2, 3 } };
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var lease = refresher.Acquire();
                        _ = lease.Model.TokenLosses(tiny);
                        Interlocked.Increment(ref leases);
                    }
                    catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
                    {
                        errors.Enqueue(e);
                    }
                }
            });
        }

        try
        {
            for (var v = 2; v <= 6; v++)
            {
                ckpt.Publish($"step-{v:00}");
                var version = $"step-{v:00}";
                Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == version, Patience), $"{version} not served in {Patience}");
            }
        }
        finally
        {
            await stop.CancelAsync(); // also when an assertion failed: racers left running would starve later tests
            await Task.WhenAll(racers);
        }

        Assert.Empty(errors);
        Assert.True(leases > 0);
        Assert.Equal(5, refresher.Status.RefreshCount);
    }

    private static bool SameLosses(float[][] expected, float[][] actual)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            for (var j = 1; j < expected[i].Length; j++)
            {
                if (Math.Abs(expected[i][j] - actual[i][j]) > 1e-5f)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
