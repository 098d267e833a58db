using TokenClean.Ingest.Tokenization;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Two instances in one group: the second one's arrival moves partitions mid-stream (cooperative rebalance under the
/// classic protocol, the broker's incremental assignment under KIP-848).
/// </summary>
[Collection("console")] // serve children run alone: timing-sensitive, and CPU-heavy on a 2-core machine
public sealed class ServeRebalanceTests : IDisposable
{
    private const string Topic = "shared";
    private const int Partitions = 4;
    private const int Chunk = 40;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-rebalance-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [MemberData(nameof(GroupProtocols.Both), MemberType = typeof(GroupProtocols))]
    public void Serve_SecondInstanceJoinsMidStream_EveryRecordExactlyOnceAndAllCommitted(string protocol)
    {
        using var cluster = GroupProtocols.StartCluster();
        cluster.CreateTopic(Topic, Partitions);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var lines = SampleLines.Mixed(Chunk * 200, badEvery: 9, seed: 8, vocab);
        var produced = 0;

        // The input keeps arriving, one chunk every 200 ms (round-robin over the partitions), so that the second
        // instance joins mid-stream however fast the first one drains what is there.
        void ProduceChunk()
        {
            Assert.True(produced < lines.Count, "ran out of input before the rebalance happened");
            Kcat.Produce(cluster.BootstrapServers, Topic, lines.GetRange(produced, Chunk), partition: produced / Chunk % Partitions);
            produced += Chunk;
            Thread.Sleep(200);
        }

        var lake = Path.Combine(_dir, "lake");
        var environment = new Dictionary<string, string>
        {
            ["TokenClean__Lake__MaxRecordsPerFile"] = "50",
            ["TokenClean__Lake__MaxFileAgeSeconds"] = "0.2",
            ["TokenClean__Pipeline__TokenizeCapacity"] = "64",
            ["TokenClean__Pipeline__BatcherCapacity"] = "64",
        };
        var args = ServeProcess.ArgsFor(protocol, cluster.BootstrapServers, Topic, lake, "shared", "--selection", "per-sample", "--batch-tokens", "1024");
        ProduceChunk();
        using var first = ServeProcess.Start(args, environment);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (LakeContents.Read(lake).Offsets().Count == 0)
        {
            Assert.True(DateTime.UtcNow < until && !first.HasExited, "nothing written:\n" + first.Output);
            ProduceChunk();
        }

        using var second = ServeProcess.Start(args, environment);
        while (!second.Output.Contains("Assigned", StringComparison.Ordinal))
        {
            Assert.True(!first.HasExited && !second.HasExited, $"an instance exited:\n{first.Output}\n---\n{second.Output}");
            ProduceChunk();
        }

        for (var i = 0; i < 5; i++)
        {
            ProduceChunk(); // records that arrive after the partitions moved
        }

        until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LakeContents.Read(lake).Offsets().Count < produced)
        {
            Assert.True(DateTime.UtcNow < until && !first.HasExited && !second.HasExited, $"not done:\n{first.Output}\n---\n{second.Output}");
            Thread.Sleep(300);
        }

        first.Terminate();
        second.Terminate();
        Assert.True(first.WaitForExit(TimeSpan.FromSeconds(30)) && first.ExitCode == 0, first.Output);
        Assert.True(second.WaitForExit(TimeSpan.FromSeconds(30)) && second.ExitCode == 0, second.Output);
        Assert.Contains("Revoked", first.Output, StringComparison.Ordinal);

        var ends = KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, Partitions);
        Assert.Equal(produced, ends.Sum());
        ServeEndToEndTests.AssertExactlyOnce(LakeContents.Read(lake).Offsets(), ends);
        var committed = KafkaProbe.Committed(cluster.BootstrapServers, "shared", Topic, Partitions);
        Assert.True(ends.SequenceEqual(committed), $"committed [{string.Join(", ", committed)}] != ends [{string.Join(", ", ends)}]:\n{first.Output}\n---\n{second.Output}");
    }
}
