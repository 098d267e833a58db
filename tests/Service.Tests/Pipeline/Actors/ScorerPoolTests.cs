using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using Akka.TestKit.Xunit2;
using TokenClean.Service.Pipeline;
using TokenClean.Service.Refresh;
using static TokenClean.Service.Tests.Pipeline.Actors.ActorTestModels;

namespace TokenClean.Service.Tests.Pipeline.Actors;

/// <summary>
/// The scorer pool behind the score step: batches go to whichever device is free and leave in input order, and a
/// reference refresh reaches every device between two batches, never going back to an older version.
/// </summary>
public sealed class ScorerPoolTests() : TestKit(PipelineActorSystem.Config)
{
    [Fact]
    public void ScoreStep_TwoDevicesOneSlow_TheFastOneTakesMoreAndBatchesLeaveInInputOrder()
    {
        var slow = new ScriptedLossModel("base@0", delayMs: 60);
        var fast = new ScriptedLossModel("base@1", delayMs: 2);
        using var d0 = new ScoringDevice(0, slow, new RecordingLease(new ScriptedLossModel("ref@0"), "v1"));
        using var d1 = new ScoringDevice(1, fast, new RecordingLease(new ScriptedLossModel("ref@1"), "v1"));
        var pool = Sys.ActorOf(ScorerPool.Props([d0, d1], Options()));
        var batches = Enumerable.Range(0, 12).Select(i => Batch(Record(i, 5))).ToList();

        var probe = Source.From(batches)
            .SelectAsync(8, b => pool.Ask<ScoredBatch>(b, TimeSpan.FromSeconds(10))) // devices × BatchCapacity, as the pipeline asks
            .RunWith(this.SinkProbe<ScoredBatch>(), Sys.Materializer());
        probe.Request(12);
        var offsets = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            offsets.Add(probe.ExpectNext(TimeSpan.FromSeconds(10)).Records[0].Record.Position.Offset);
        }

        probe.ExpectComplete();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), offsets);
        Assert.True(slow.Calls > 0 && fast.Calls > slow.Calls, $"device 0 scored {slow.Calls} batches, device 1 {fast.Calls}");
    }

    [Fact]
    public void Refresher_ProviderServesANewerVersion_EveryDeviceScoresWithItFromItsNextBatchAndNeverGoesBack()
    {
        var provider = new SwitchableProvider("v1", devices: 2);
        using var d0 = new ScoringDevice(0, new ScriptedLossModel("base@0"), provider.Acquire(0));
        using var d1 = new ScoringDevice(1, new ScriptedLossModel("base@1"), provider.Acquire(1));
        var pool = Sys.ActorOf(ScorerPool.Props([d0, d1], Options()));
        Sys.ActorOf(ReferenceRefresher.Props(provider, pool, 2, "v1", TimeSpan.FromMilliseconds(10)));

        provider.Serve("v2");
        AwaitAssert(() => Assert.Equal(["v2", "v2"], ScoreOnBoth(pool)), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20));

        provider.Serve("v1"); // an older version showing up again (a rolled-back root) is not taken
        Thread.Sleep(200);
        Assert.Equal(["v2", "v2"], ScoreOnBoth(pool));
    }

    /// <summary>Scores two batches at once, so that each device gets one; returns their reference versions.</summary>
    private static string[] ScoreOnBoth(IActorRef pool)
    {
        var a = pool.Ask<ScoredBatch>(Batch(Record(0, 5)), TimeSpan.FromSeconds(5));
        var b = pool.Ask<ScoredBatch>(Batch(Record(1, 5)), TimeSpan.FromSeconds(5));
        return [a.Result.Records[0].ReferenceVersion, b.Result.Records[0].ReferenceVersion];
    }

    /// <summary>A provider whose served version the test switches; every device gets a copy of the same version.</summary>
    private sealed class SwitchableProvider(string version, int devices) : IReferenceModelProvider
    {
        private volatile string _version = version;

        public int DeviceCount => devices;

        public void Serve(string next) => _version = next;

        public IReferenceLease Acquire() => Acquire(0);

        public IReferenceLease Acquire(int device) => new RecordingLease(new ScriptedLossModel("ref@" + device), _version);
    }
}
