using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Tokenization;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <c>serve --devices cpu,cpu</c>: two scorers, each with its own base and reference models, write the same rows as one
/// scorer does, every offset once.
/// </summary>
[Collection("console")] // serve children run alone: timing-sensitive, and CPU-heavy on a 2-core machine
public sealed class ServeMultiDeviceTests : IDisposable
{
    private const string Topic = "devices-in";
    private const int Partitions = 2;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-devices-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Serve_TwoCpuScorers_WriteTheSameRowsAsOneScorer()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, Partitions);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var lines = SampleLines.Mixed(80, badEvery: 10, seed: 4, vocab);
        Kcat.Produce(cluster.BootstrapServers, Topic, lines);
        var ends = KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, Partitions);

        var one = Run(cluster, "one", lines.Count, ends);
        var two = Run(cluster, "two", lines.Count, ends, "--devices", "cpu,cpu");

        Assert.Contains("scorers on cpu,cpu", two.Log, StringComparison.Ordinal);
        Assert.Equal(one.Contents.DeadLetters.Count, two.Contents.DeadLetters.Count);
        Assert.Equal(72, two.Contents.Rows.Count);
        var expected = one.Contents.Rows.ToDictionary(r => (r.Partition, r.Offset));
        foreach (var row in two.Contents.Rows)
        {
            var e = expected[(row.Partition, row.Offset)];
            Assert.Equal(e.SampleId, row.SampleId);
            Assert.Equal(e.Labels, row.Labels);
            Assert.Equal(e.Influence!.Length, row.Influence!.Length);
            for (var j = 0; j < e.Influence.Length; j++)
            {
                if (float.IsNaN(e.Influence[j]))
                {
                    Assert.True(float.IsNaN(row.Influence[j]), $"{row.SampleId}[{j}]");
                }
                else
                {
                    // Batch composition differs between runs; scores do not depend on it beyond float rounding.
                    Assert.InRange(row.Influence[j] - e.Influence[j], -1e-4f, 1e-4f);
                }
            }
        }
    }

    private (LakeContents Contents, string Log) Run(KafkaMockCluster cluster, string name, int count, long[] ends, params string[] extra)
    {
        var lake = Path.Combine(_dir, name);
        // Small batches, so that many of them are in flight across the scorers at once.
        using var serve = ServeProcess.Start(
            ServeProcess.Args(cluster.BootstrapServers, Topic, lake, name, ["--selection", "per-sample", "--batch-tokens", "256", .. extra]),
            new Dictionary<string, string> { ["TokenClean__Lake__MaxFileAgeSeconds"] = "0.3" });
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        LakeContents contents;
        while ((contents = LakeContents.Read(lake, values: true)).Rows.Count + contents.DeadLetters.Count < count)
        {
            Assert.False(serve.HasExited, "serve exited early:\n" + serve.Output);
            Assert.True(DateTime.UtcNow < until, $"only {contents.Rows.Count} rows and {contents.DeadLetters.Count} dead letters:\n{serve.Output}");
            Thread.Sleep(300);
        }

        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)), "serve did not exit after SIGTERM:\n" + serve.Output);
        Assert.True(serve.ExitCode == 0, $"exit {serve.ExitCode}:\n{serve.Output}");
        ServeEndToEndTests.AssertExactlyOnce(contents.Offsets(), ends);
        Assert.Equal(ends, KafkaProbe.Committed(cluster.BootstrapServers, name, Topic, Partitions));
        return (contents, serve.Output);
    }
}
