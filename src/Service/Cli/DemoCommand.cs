using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;

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
        var command = new Command("demo", "Run the main job on the bundled samples with an embedded Kafka cluster.") { input };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(input)!, ct));
        return command;
    }

    private static Task<int> RunAsync(FileInfo input, CancellationToken ct)
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
        return Task.FromResult(consumed == lines.Length ? 0 : 1);
    }
}
