using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using TokenClean.Ingest.Tokenization;
using TokenClean.Service.Pipeline;
using TokenClean.Service.Refresh;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Pause state across a rebalance. librdkafka keeps a partition's pause flag when the partition is revoked or lost and
/// when it is assigned again; serve resumed only what it had assigned at the time, so a partition taken away while
/// paused came back paused once serve was no longer paused, and was never fetched again (its records stayed
/// unconsumed and uncommitted for good). Before the fix this test stopped at "the kept partition finished".
/// </summary>
[Collection("console")]
public sealed class ServePauseRebalanceTests : IDisposable
{
    private const string Topic = "paused";
    private const string Group = "paused";
    private const int PerPartition = 40;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-pause-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(GroupProtocols.Both), MemberType = typeof(GroupProtocols))]
    public void Serve_PartitionRevokedWhilePausedComesBackAfterTheResume_IsConsumedToTheEnd(string protocol)
    {
        using var cluster = GroupProtocols.StartCluster();
        cluster.CreateTopic(Topic, 2);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var lines = SampleLines.Mixed(2 * PerPartition, badEvery: 0, seed: 6, vocab);
        Kcat.Produce(cluster.BootstrapServers, Topic, lines[..PerPartition], partition: 0);
        Kcat.Produce(cluster.BootstrapServers, Topic, lines[PerPartition..], partition: 1);
        var lake = Path.Combine(_dir, "lake");
        var flags = InProcessServe.Flags(cluster.BootstrapServers, Topic, lake, Group);
        GroupProtocols.Configure(flags, protocol);
        flags["TokenClean:Pipeline:TokenizeCapacity"] = "4";
        flags["TokenClean:Pipeline:BatcherCapacity"] = "4";
        flags["TokenClean:Pipeline:BatchCapacity"] = "1";
        flags["TokenClean:Pipeline:PauseAfterMs"] = "50";
        flags["TokenClean:Batching:MaxTokens"] = "96";
        flags["TokenClean:Selection:Mode"] = "per-sample";
        var stuck = new SlowReferenceModel(delayMs: 0);
        stuck.Gate.Reset(); // the first batch waits in the scorer: the mailboxes fill and the source pauses
        try
        {
            using var serve = new InProcessServe(flags, services => services.AddSingleton<IReferenceModelProvider>(stuck));
            WaitFor(() => serve.Status?.Snapshot() is { Paused: true, Partitions.Count: 2 }, serve, "paused, owning both partitions");

            // A second member joins while serve is paused; one of serve's partitions, paused, moves to it.
            using var other = new ConsumerBuilder<Ignore, Ignore>(GroupProtocols.Member(cluster.BootstrapServers, Group, protocol)).Build();
            other.Subscribe(Topic);
            WaitFor(() => Poll(other) && other.Assignment.Count == 1 && serve.Status!.Snapshot() is { Partitions.Count: 1 }, serve, "one partition moved to the other member");
            var kept = serve.Status!.Snapshot().Partitions[0].Partition;

            // The scorer recovers: serve finishes the partition it has (it must fetch it although that partition was
            // paused when it was taken away) and is not paused any more.
            stuck.Gate.Set();
            WaitFor(
                () => Poll(other) && serve.Status!.Snapshot() is { Paused: false, Held: 0, InFlight: 0 } && Count(lake, kept) == PerPartition,
                serve,
                "the kept partition finished");

            // The other member leaves: the second partition, paused when it was taken away, comes back to serve.
            other.Close();
            WaitFor(() => LakeContents.Read(lake).Offsets().Count >= 2 * PerPartition, serve, "every record written after the partition came back");
            Assert.Equal(0, serve.Stop(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            stuck.Release();
        }

        var ends = KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, 2);
        Assert.Equal([PerPartition, PerPartition], ends);
        ServeEndToEndTests.AssertExactlyOnce(LakeContents.Read(lake).Offsets(), ends);
        Assert.Equal(ends, KafkaProbe.Committed(cluster.BootstrapServers, Group, Topic, 2));
    }

    private static bool Poll(IConsumer<Ignore, Ignore> consumer)
    {
        consumer.Consume(TimeSpan.FromMilliseconds(50)); // joins the group and takes its records; commits nothing
        return true;
    }

    private static int Count(string lake, int partition)
    {
        var n = 0;
        foreach (var (p, _) in LakeContents.Read(lake).Offsets())
        {
            n += p == partition ? 1 : 0;
        }

        return n;
    }

    private static void WaitFor(Func<bool> condition, InProcessServe serve, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (!condition())
        {
            var s = serve.Status?.Snapshot();
            Assert.True(
                DateTime.UtcNow < until,
                $"not reached within 40 s: {what}; status: paused={s?.Paused} held={s?.Held} inFlight={s?.InFlight} written={s?.Written} partitions=[{string.Join(", ", s?.Partitions.Select(p => p.Partition) ?? [])}]\n{serve.Errors}");
            Thread.Sleep(20);
        }
    }
}
