using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Demo;

namespace TokenClean.Service.Cli;

/// <summary>
/// <c>tokenclean demo</c>: the embedded default run. Needs no external Kafka, GPU or download: it starts an
/// in-process Kafka-protocol cluster, produces the bundled samples to it and consumes them as a consumer group.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var input = new Option<FileInfo>("--input")
        {
            Description = "JSON Lines file of samples to stream through the embedded Kafka cluster.",
            DefaultValueFactory = _ => new FileInfo(Path.Combine(AppContext.BaseDirectory, "data", "demo.jsonl")),
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Where the self-made models and the cleaned Arrow output go.",
            DefaultValueFactory = _ => new DirectoryInfo("demo-out"),
        };
        var command = new Command(
            "demo",
            "Run the main job on the bundled samples: an embedded Kafka cluster, a self-trained tokenizer and random " +
            "base/reference models, token scoring, global top-60% selection, Arrow output.") { input, output };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(input)!, parse.GetValue(output)!, ct));
        return command;
    }

    private static Task<int> RunAsync(FileInfo input, DirectoryInfo output, CancellationToken ct)
    {
        if (!input.Exists)
        {
            Console.Error.WriteLine($"error: input file not found: {input.FullName}");
            return Task.FromResult(2);
        }

        var lines = File.ReadAllLines(input.FullName);
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        const string topic = "sft-samples";
        cluster.CreateTopic(topic, partitions: 3);
        Console.WriteLine($"embedded Kafka cluster: {cluster.BootstrapServers} ({cluster.BrokerCount} brokers), topic {topic}");

        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            foreach (var line in lines)
            {
                producer.Produce(topic, new Message<Null, byte[]> { Value = Encoding.UTF8.GetBytes(line) });
            }

            producer.Flush(ct);
        }

        Console.WriteLine($"produced {lines.Length} samples from {input.Name}");
        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "tokenclean-demo",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
        };
        var perPartition = new SortedDictionary<int, (long First, long Last, long Bytes)>();
        var consumed = 0;
        var received = new List<string>(lines.Length);
        using (var consumer = new ConsumerBuilder<Null, byte[]>(config).Build())
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (consumed < lines.Length && DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (r is null)
                {
                    continue;
                }

                consumed++;
                received.Add(Encoding.UTF8.GetString(r.Message.Value));
                var p = r.Partition.Value;
                perPartition[p] = perPartition.TryGetValue(p, out var s)
                    ? (s.First, r.Offset.Value, s.Bytes + r.Message.Value.Length)
                    : (r.Offset.Value, r.Offset.Value, r.Message.Value.Length);
                consumer.StoreOffset(r);
            }

            consumer.Commit();
            consumer.Close();
        }

        foreach (var (p, s) in perPartition)
        {
            Console.WriteLine($"  partition {p}: offsets {s.First}..{s.Last}, {s.Bytes} bytes, committed {s.Last + 1}");
        }

        Console.WriteLine($"consumed and committed {consumed}/{lines.Length} samples");
        if (consumed != lines.Length)
        {
            return Task.FromResult(1);
        }

        // Score what came through Kafka with self-made models (nothing can be downloaded here).
        var consumedFile = Path.Combine(output.FullName, "consumed", "demo.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(consumedFile)!);
        File.WriteAllLines(consumedFile, received);
        Console.WriteLine("preparing models: a byte-level BPE tokenizer trained on the samples, a random Llama-shaped base, a perturbed reference");
        var (baseDir, refDir) = DemoAssets.Ensure(Path.Combine(output.FullName, "models"), lines);
        var clean = CommandLine.Build().Parse(
            ["clean", "--input", consumedFile, "--base", baseDir, "--ref", refDir, "--out", Path.Combine(output.FullName, "cleaned"), "--chat-template", "chatml"]);
        return clean.InvokeAsync(cancellationToken: ct);
    }
}
