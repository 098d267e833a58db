using System.Text.Json;
using TokenClean.Cli;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Tests.Oracles;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <c>tokenclean serve</c> as users run it: a child process, a Kafka broker (librdkafka's mock cluster, in this test
/// process), input produced by kcat, output read back with Arrow JS and compared with the batch command.
/// </summary>
[Collection("console")]
public sealed class ServeEndToEndTests : IDisposable
{
    private const string Topic = "samples";
    private const int Partitions = 3;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-e2e-" + Guid.NewGuid().ToString("N"));
    private readonly KafkaMockCluster _cluster;

    public ServeEndToEndTests()
    {
        Directory.CreateDirectory(_dir);
        _cluster = KafkaMockCluster.Start();
        _cluster.CreateTopic(Topic, Partitions);
    }

    private string Lake => Path.Combine(_dir, "lake");

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Serve_MixedSamplesFromKcat_WritesEachRecordOnceMatchesBatchCleanAndCommitsOnSigterm()
    {
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var lines = SampleLines.Mixed(90, badEvery: 10, seed: 1, vocab);
        Kcat.Produce(_cluster.BootstrapServers, Topic, lines);

        using var serve = ServeProcess.Start(
            ServeProcess.Args(_cluster.BootstrapServers, Topic, Lake, "e2e", "--selection", "per-sample"),
            new Dictionary<string, string> { ["TokenClean__Lake__MaxFileAgeSeconds"] = "0.3" }); // an environment variable, on purpose
        var contents = WaitForAll(lines.Count, serve, TimeSpan.FromSeconds(60));

        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)), "serve did not exit after SIGTERM:\n" + serve.Output);
        Assert.True(serve.ExitCode == 0, $"exit {serve.ExitCode}:\n{serve.Output}");

        // Every offset exactly once, rows and dead letters together; everything committed.
        var ends = KafkaProbe.EndOffsets(_cluster.BootstrapServers, Topic, Partitions);
        Assert.Equal(lines.Count, ends.Sum());
        AssertExactlyOnce(LakeContents.Read(Lake).Offsets(), ends);
        Assert.Equal(ends, KafkaProbe.Committed(_cluster.BootstrapServers, "e2e", Topic, Partitions));

        // The bad lines, with their reasons.
        Assert.Equal(9, contents.DeadLetters.Count);
        var reasons = contents.DeadLetters.Select(d => d.GetProperty("raw").GetString()!.Contains("\"prompt\": not json", StringComparison.Ordinal)
            ? "malformed_json" : d.GetProperty("reason").GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["malformed_json", "malformed_json", "malformed_json", "missing_field", "missing_field", "missing_field", "token_out_of_vocabulary", "token_out_of_vocabulary", "token_out_of_vocabulary"], reasons);
        Assert.All(contents.DeadLetters, d => Assert.Equal(Topic, d.GetProperty("topic").GetString()));

        // Values equal the batch command's on the same samples (per-sample selection on both sides).
        var batch = await RunBatchClean(lines);
        Assert.Equal(81, contents.Rows.Count);
        foreach (var row in contents.Rows)
        {
            var expected = batch[row.SampleId];
            Assert.Equal(expected.Labels, row.Labels);
            Assert.Equal(expected.Influence.Length, row.Influence!.Length);
            for (var j = 0; j < expected.Influence.Length; j++)
            {
                if (float.IsNaN(expected.Influence[j]))
                {
                    Assert.True(float.IsNaN(row.Influence[j]), $"{row.SampleId}[{j}]");
                }
                else
                {
                    Assert.InRange(row.Influence[j] - expected.Influence[j], -1e-4f, 1e-4f);
                }
            }
        }

        Assert.Contains(contents.Rows, r => r.Labels!.Any(l => l != -100));
    }

    [Fact]
    public void Serve_DeadLetterTopic_PublishesOriginalBytesWithReasonAndProvenanceHeaders()
    {
        _cluster.CreateTopic("dlq", 1);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var lines = SampleLines.Mixed(30, badEvery: 5, seed: 2, vocab);
        Kcat.Produce(_cluster.BootstrapServers, Topic, lines);

        using var serve = ServeProcess.Start(ServeProcess.Args(_cluster.BootstrapServers, Topic, Lake, "dlq", "--dead-letter-topic", "dlq"));
        var messages = new List<Confluent.Kafka.ConsumeResult<byte[], byte[]>>();
        using (var consumer = new Confluent.Kafka.ConsumerBuilder<byte[], byte[]>(new Confluent.Kafka.ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "dlq-reader",
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
        }).Build())
        {
            consumer.Assign(new Confluent.Kafka.TopicPartitionOffset("dlq", 0, 0));
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (messages.Count < 6 && DateTime.UtcNow < until)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } m)
                {
                    messages.Add(m);
                }
            }
        }

        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)) && serve.ExitCode == 0, serve.Output);
        Assert.Equal(6, messages.Count);
        string Header(Confluent.Kafka.ConsumeResult<byte[], byte[]> m, string name) =>
            System.Text.Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes(name));
        var bad = lines.Where((_, i) => i % 5 == 4).ToHashSet(StringComparer.Ordinal);
        foreach (var m in messages)
        {
            Assert.Contains(System.Text.Encoding.UTF8.GetString(m.Message.Value), bad);
            Assert.Equal(Topic, Header(m, "tokenclean.errors.topic"));
            Assert.Contains(Header(m, "tokenclean.errors.reason"), new[] { "malformed_json", "missing_field", "token_out_of_vocabulary" });
            Assert.NotEmpty(Header(m, "tokenclean.errors.message"));
            var partition = int.Parse(Header(m, "tokenclean.errors.partition"), System.Globalization.CultureInfo.InvariantCulture);
            var offset = long.Parse(Header(m, "tokenclean.errors.offset"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(partition, 0, Partitions - 1);
            Assert.InRange(offset, 0, lines.Count - 1);
        }

        // With a topic there is no dead-letter file, and rows + dead letters still cover every offset once.
        var contents = LakeContents.Read(Lake);
        Assert.Empty(contents.DeadLetters);
        var offsets = contents.Offsets();
        offsets.AddRange(messages.Select(m => (
            int.Parse(Header(m, "tokenclean.errors.partition"), System.Globalization.CultureInfo.InvariantCulture),
            long.Parse(Header(m, "tokenclean.errors.offset"), System.Globalization.CultureInfo.InvariantCulture))));
        AssertExactlyOnce(offsets, KafkaProbe.EndOffsets(_cluster.BootstrapServers, Topic, Partitions));
    }

    [Fact]
    public void Serve_LakeDatasetRemovedWhileRunning_StopsWithExitOneAndAClearLog()
    {
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        Kcat.Produce(_cluster.BootstrapServers, Topic, SampleLines.Mixed(30, badEvery: 0, seed: 4, vocab));
        using var serve = ServeProcess.Start(
            ServeProcess.Args(_cluster.BootstrapServers, Topic, Lake, "fatal", "--selection", "per-sample"),
            new Dictionary<string, string> { ["TokenClean__Lake__MaxFileAgeSeconds"] = "0.2" });
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LakeContents.Read(Lake).Rows.Count < 30)
        {
            Assert.True(DateTime.UtcNow < until && !serve.HasExited, serve.Output);
            Thread.Sleep(200);
        }

        Directory.Delete(Path.Combine(Lake, "cleaned"), recursive: true);
        Kcat.Produce(_cluster.BootstrapServers, Topic, SampleLines.Mixed(30, badEvery: 0, seed: 5, vocab));

        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)), "serve kept running without its lake:\n" + serve.Output);
        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("Fatal error, stopping the service", serve.Output, StringComparison.Ordinal);
        Assert.Contains("no longer exists", serve.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Serve_OpenLakeFileDeletedUnderneath_ReopensTheLakeSeeksBackAndStillWritesEachRecordOnce()
    {
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        using var serve = ServeProcess.Start(
            ServeProcess.Args(_cluster.BootstrapServers, Topic, Lake, "reopen", "--selection", "per-sample"),
            new Dictionary<string, string> { ["TokenClean__Lake__MaxFileAgeSeconds"] = "1" });
        Assert.True(serve.WaitForOutput("Assigned", TimeSpan.FromSeconds(30)), serve.Output);
        var produced = 0;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (!serve.Output.Contains("reopening the lake", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < until && !serve.HasExited, "no lake failure was provoked:\n" + serve.Output);
            Kcat.Produce(_cluster.BootstrapServers, Topic, SampleLines.Mixed(20, badEvery: 0, seed: produced, vocab));
            produced += 20;
            Thread.Sleep(300);
            var root = Path.Combine(Lake, "cleaned");
            var temps = Directory.Exists(root) ? Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories) : [];
            foreach (var temp in temps)
            {
                File.Delete(temp); // e.g. an operator's cleanup job: the open file's rename will fail
            }

            // One provoked failure only: a second one within 10 s of a recovery is fatal by design.
            serve.WaitForOutput("reopening the lake", TimeSpan.FromSeconds(temps.Length > 0 ? 5 : 0.7));
        }

        Kcat.Produce(_cluster.BootstrapServers, Topic, SampleLines.Mixed(20, badEvery: 0, seed: 999, vocab));
        produced += 20;
        until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (LakeContents.Read(Lake).Rows.Count < produced)
        {
            Assert.True(DateTime.UtcNow < until && !serve.HasExited, $"not all {produced} rows:\n{serve.Output}");
            Thread.Sleep(300);
        }

        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)) && serve.ExitCode == 0, serve.Output);
        Assert.Contains("seeks back to", serve.Output, StringComparison.Ordinal);
        var ends = KafkaProbe.EndOffsets(_cluster.BootstrapServers, Topic, Partitions);
        AssertExactlyOnce(LakeContents.Read(Lake).Offsets(), ends);
        Assert.Equal(ends, KafkaProbe.Committed(_cluster.BootstrapServers, "reopen", Topic, Partitions));
    }

    internal static void AssertExactlyOnce(List<(int Partition, long Offset)> offsets, long[] ends)
    {
        var duplicates = offsets.GroupBy(o => o).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "duplicates: " + string.Join(", ", duplicates.Take(20)));
        for (var p = 0; p < ends.Length; p++)
        {
            var seen = offsets.Where(o => o.Partition == p).Select(o => o.Offset).ToHashSet();
            var missing = Enumerable.Range(0, (int)ends[p]).Where(o => !seen.Contains(o)).ToList();
            Assert.True(missing.Count == 0, $"partition {p}: {missing.Count} offsets missing, e.g. {string.Join(", ", missing.Take(20))}");
            Assert.Equal(ends[p], seen.Count);
        }
    }

    private LakeContents WaitForAll(int count, ServeProcess serve, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var contents = LakeContents.Read(Lake, values: true);
            if (contents.Rows.Count + contents.DeadLetters.Count >= count)
            {
                return contents;
            }

            Assert.False(serve.HasExited, "serve exited early:\n" + serve.Output);
            Assert.True(DateTime.UtcNow < until, $"only {contents.Rows.Count} rows and {contents.DeadLetters.Count} dead letters after {timeout}:\n{serve.Output}");
            Thread.Sleep(300);
        }
    }

    /// <summary>Tokenizes the good lines like serve does and runs <c>tokenclean clean</c> on them.</summary>
    private async Task<Dictionary<string, (int[] Labels, float[] Influence)>> RunBatchClean(List<string> lines)
    {
        var encoder = new SampleEncoder(HfTokenizer.FromFile(StreamingAssets.BaseDir), ChatTemplate.Resolve("chatml", StreamingAssets.BaseDir));
        var input = Path.Combine(_dir, "batch.jsonl");
        var pretokenized = new List<string>();
        foreach (var line in lines)
        {
            var r = encoder.Process(System.Text.Encoding.UTF8.GetBytes(line));
            if (r.IsSuccess)
            {
                pretokenized.Add(JsonSerializer.Serialize(new { id = r.Value.Id, input_ids = r.Value.InputIds, labels = r.Value.Labels }));
            }
        }

        File.WriteAllLines(input, pretokenized);
        var output = Path.Combine(_dir, "batch-out");
        var exit = await CommandLine.Build().Parse(
            ["clean", "--input", input, "--base", StreamingAssets.BaseDir, "--ref", StreamingAssets.RefDir, "--out", output, "--selection", "per-sample", "--format", "jsonl"]).InvokeAsync();
        Assert.Equal(0, exit);
        var result = new Dictionary<string, (int[], float[])>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(Path.Combine(output, "batch.jsonl")))
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            result[e.GetProperty("sample_id").GetString()!] = (
                e.GetProperty("labels").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                e.GetProperty("influence").EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Null ? float.NaN : x.GetSingle()).ToArray());
        }

        return result;
    }
}
