using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Tokenization;
using TokenClean.Tests.Oracles;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <c>--output-topic</c>: rows also (or only) go to a Kafka topic as Arrow IPC stream messages, read back here with the
/// Arrow project's JS reader, and input offsets are committed only once the output is acknowledged.
/// </summary>
[Collection("console")] // serve children run alone: timing-sensitive, and CPU-heavy on a 2-core machine
public sealed class ServeKafkaOutputTests : IDisposable
{
    private const string Topic = "out-in";
    private const string OutputTopic = "cleaned-out";
    private const int Partitions = 2;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-out-" + Guid.NewGuid().ToString("N")[..12]);

    public ServeKafkaOutputTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Serve_OutputTopicBesideTheLake_TopicRowsEqualTheLakeRowsAndEveryOffsetIsCommitted()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, Partitions);
        cluster.CreateTopic(OutputTopic, 2);
        var lake = Path.Combine(_dir, "lake");
        var lines = Run(cluster, lake, "out-both");

        var topicRows = ReadOutputTopic(cluster.BootstrapServers);
        var contents = LakeContents.Read(lake, values: true);
        Assert.Equal(lines - 6, contents.Rows.Count);
        Assert.Equal(6, contents.DeadLetters.Count);
        Assert.Equal(contents.Rows.Count, topicRows.Count);
        ServeEndToEndTests.AssertExactlyOnce([.. topicRows.Select(r => (r.Partition, r.Offset)), .. contents.DeadLetters.Select(DeadLetterOffset)], KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, Partitions));
        var byOffset = topicRows.ToDictionary(r => (r.Partition, r.Offset));
        foreach (var row in contents.Rows)
        {
            var t = byOffset[(row.Partition, row.Offset)];
            Assert.Equal(row.SampleId, t.SampleId);
            Assert.Equal(row.Labels, t.Labels);
            Assert.Equal(row.Influence!.Select(BitConverter.SingleToInt32Bits), t.Influence!.Select(BitConverter.SingleToInt32Bits));
        }

        Assert.Contains(topicRows, r => r.Labels!.Any(l => l != -100));
    }

    [Fact]
    public void Serve_OutputTopicWithoutLakeRows_TopicAndDeadLettersHoldEveryOffsetOnceAndTheLakeNoRows()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, Partitions);
        cluster.CreateTopic(OutputTopic, 2);
        var lake = Path.Combine(_dir, "lake");
        var lines = Run(cluster, lake, "out-only", "--lake-rows", "false");

        var topicRows = ReadOutputTopic(cluster.BootstrapServers);
        var contents = LakeContents.Read(lake);
        Assert.Empty(contents.Rows);
        Assert.Equal(6, contents.DeadLetters.Count);
        Assert.Equal(lines - 6, topicRows.Count);
        ServeEndToEndTests.AssertExactlyOnce([.. topicRows.Select(r => (r.Partition, r.Offset)), .. contents.DeadLetters.Select(DeadLetterOffset)], KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, Partitions));

        // The lake still records which offsets are done (files without rows), so a restart resumes after them.
        var files = Directory.GetFiles(Path.Combine(lake, "cleaned"), "*.arrow", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
    }

    private static (int Partition, long Offset) DeadLetterOffset(JsonElement d) => (d.GetProperty("partition").GetInt32(), d.GetProperty("offset").GetInt64());

    /// <summary>Produces 60 samples (6 bad), runs serve until everything is committed, stops it with SIGTERM.</summary>
    private static int Run(KafkaMockCluster cluster, string lake, string group, params string[] extra)
    {
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var lines = SampleLines.Mixed(60, badEvery: 10, seed: 3, vocab);
        Kcat.Produce(cluster.BootstrapServers, Topic, lines);
        using var serve = ServeProcess.Start(
            ServeProcess.Args(cluster.BootstrapServers, Topic, lake, group, ["--output-topic", OutputTopic, "--selection", "per-sample", .. extra]),
            new Dictionary<string, string> { ["TokenClean__Lake__MaxFileAgeSeconds"] = "0.3", ["TokenClean__Output__MaxRecordsPerMessage"] = "8" });
        var ends = KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, Partitions);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!KafkaProbe.Committed(cluster.BootstrapServers, group, Topic, Partitions).SequenceEqual(ends))
        {
            Assert.False(serve.HasExited, "serve exited early:\n" + serve.Output);
            Assert.True(DateTime.UtcNow < until, "offsets not all committed:\n" + serve.Output);
            Thread.Sleep(300);
        }

        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)), "serve did not exit after SIGTERM:\n" + serve.Output);
        Assert.True(serve.ExitCode == 0, $"exit {serve.ExitCode}:\n{serve.Output}");
        return lines.Count;
    }

    /// <summary>Every message of the output topic, each value decoded by Arrow JS on its own.</summary>
    private List<LakeRow> ReadOutputTopic(string bootstrap)
    {
        var ends = KafkaProbe.EndOffsets(bootstrap, OutputTopic, 2);
        var config = new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "reader", AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false };
        var paths = new List<string>();
        using (var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build())
        {
            consumer.Assign([new TopicPartitionOffset(OutputTopic, 0, Offset.Beginning), new TopicPartitionOffset(OutputTopic, 1, Offset.Beginning)]);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (paths.Count < ends.Sum() && DateTime.UtcNow < until)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } m)
                {
                    continue;
                }

                Assert.Equal("application/vnd.apache.arrow.stream", Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("content-type")));
                var path = Path.Combine(_dir, $"msg-{m.Partition.Value}-{m.Offset.Value}.arrows");
                File.WriteAllBytes(path, m.Message.Value);
                paths.Add(path);
            }

            consumer.Close();
        }

        Assert.Equal(ends.Sum(), paths.Count);
        var rows = new List<LakeRow>();
        foreach (var file in ArrowJs.Run(["--columns", "sample_id,source_partition,source_offset,labels,influence", .. paths]))
        {
            Assert.Equal("stream", file.GetProperty("format").GetString());
            var c = file.GetProperty("columns");
            var ids = c.GetProperty("sample_id");
            for (var i = 0; i < ids.GetArrayLength(); i++)
            {
                rows.Add(new LakeRow(
                    ids[i].GetString()!,
                    c.GetProperty("source_partition")[i].GetInt32(),
                    long.Parse(c.GetProperty("source_offset")[i].GetString()!, CultureInfo.InvariantCulture),
                    [.. c.GetProperty("labels")[i].EnumerateArray().Select(e => e.GetInt32())],
                    [.. c.GetProperty("influence")[i].EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? float.NaN : e.GetSingle())]));
            }
        }

        return rows;
    }
}
