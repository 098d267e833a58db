using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Tokenization;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>SIGTERM in the middle of the stream: drain, flush the lake, commit, leave the group, exit 0.</summary>
[Collection("console")] // serve children run alone: timing-sensitive, and CPU-heavy on a 2-core machine
public sealed class ServeShutdownTests : IDisposable
{
    private const string Topic = "term";
    private const int Partitions = 2;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-term-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const int Count = 8000;

    [Fact]
    public void Serve_SigtermMidStream_ExitsZeroWithEverythingWrittenCommittedAndNothingBeyond()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, Partitions);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        Kcat.Produce(cluster.BootstrapServers, Topic, SampleLines.Mixed(Count, badEvery: 7, seed: 5, vocab));
        var lake = Path.Combine(_dir, "lake");
        using var serve = ServeProcess.Start(
            ServeProcess.Args(cluster.BootstrapServers, Topic, lake, "term", "--shutdown-timeout", "20", "--selection", "per-sample"),
            new Dictionary<string, string>
            {
                ["TokenClean__Lake__MaxRecordsPerFile"] = "100",
                ["TokenClean__Pipeline__TokenizeCapacity"] = "64",
                ["TokenClean__Pipeline__BatcherCapacity"] = "64",
            });
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        // The first committed file, seen by a directory listing (reading it with Arrow JS takes long enough for a fast
        // pipeline to finish the whole stream before the signal).
        var cleaned = Path.Combine(lake, "cleaned");
        while (!Directory.Exists(cleaned) || !Directory.EnumerateFiles(cleaned, "*.arrow", SearchOption.AllDirectories).Any(f => !Path.GetFileName(f).StartsWith('.')))
        {
            Assert.True(DateTime.UtcNow < until && !serve.HasExited, "nothing written:\n" + serve.Output);
            Thread.Sleep(10);
        }

        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(25)), "no exit within the shutdown timeout:\n" + serve.Output);
        Assert.True(serve.ExitCode == 0, $"exit {serve.ExitCode}:\n{serve.Output}");
        Assert.Contains("drained: True", serve.Output, StringComparison.Ordinal);

        // What is in the lake is exactly offsets [0, committed) of each partition: nothing durable left uncommitted,
        // nothing committed that is not durable, no duplicate.
        // (A partition whose records were not consumed yet has no commit: -1001, i.e. nothing of it is in the lake.)
        var committed = KafkaProbe.Committed(cluster.BootstrapServers, "term", Topic, Partitions).Select(c => Math.Max(c, 0)).ToArray();
        Assert.True(committed.Sum() > 0, "nothing was committed");
        ServeEndToEndTests.AssertExactlyOnce(LakeContents.Read(lake).Offsets(), committed);
        Assert.True(committed.Sum() < Count, "the stream was finished before SIGTERM: the test proves nothing about a mid-stream stop");
    }
}
