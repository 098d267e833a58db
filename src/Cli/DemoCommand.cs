using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenClean.Embedded;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Pipeline;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean demo</c>: the embedded default run, through the same pipeline core as <c>serve</c>. Needs no external
/// Kafka, GPU or download: it starts an in-process Kafka-protocol cluster, produces the bundled samples to it, and
/// runs serve on it (consumer group → tokenize → batch → scorer actors → selection → exactly-once lake files) until
/// every sample is written or dead-lettered and committed, then stops it the way SIGTERM does.
/// </summary>
internal static class DemoCommand
{
    private const string Topic = "sft-samples";
    private const string Group = "tokenclean-demo";

    public static Command Create()
    {
        var input = new Option<FileInfo>("--input")
        {
            Description = "JSON Lines file of samples to stream through the embedded Kafka cluster.",
            DefaultValueFactory = _ => new FileInfo(Path.Combine(AppContext.BaseDirectory, "data", "demo.jsonl")),
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Where the self-made models and the lake (Arrow files, dead letters) go.",
            DefaultValueFactory = _ => new DirectoryInfo("demo-out"),
        };
        var command = new Command(
            "demo",
            "Run serve on the bundled samples: an embedded Kafka cluster, a self-trained tokenizer and random " +
            "base/reference models, token scoring on the scorer actors, top-60% selection over the whole input, " +
            "exactly-once Arrow lake files, offsets committed.") { input, output };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse.GetValue(input)!, parse.GetValue(output)!, ct)));
        return command;
    }

    private static int Run(FileInfo input, DirectoryInfo output, CancellationToken ct)
    {
        if (!input.Exists)
        {
            Console.Error.WriteLine($"error: input file not found: {input.FullName}");
            return 2;
        }

        var lines = File.ReadAllLines(input.FullName);
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic(Topic, partitions: 3);
        Console.WriteLine($"embedded Kafka cluster: {cluster.BootstrapServers} ({cluster.BrokerCount} brokers), topic {Topic} (3 partitions)");
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            foreach (var line in lines)
            {
                producer.Produce(Topic, new Message<Null, byte[]> { Value = Encoding.UTF8.GetBytes(line) });
            }

            producer.Flush(ct);
        }

        Console.WriteLine($"produced {lines.Length} samples from {input.Name}");
        Console.WriteLine("preparing models: a byte-level BPE tokenizer trained on the samples, a random Llama-shaped base, a perturbed reference");
        var (baseDir, refDir) = DemoAssets.Ensure(Path.Combine(output.FullName, "models"), lines);
        var lake = Path.Combine(output.FullName, "lake");
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["TokenClean:Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["TokenClean:Kafka:Topics"] = Topic,
            ["TokenClean:Kafka:GroupId"] = Group,
            ["TokenClean:Lake:Root"] = lake,
            ["TokenClean:Lake:MaxFileAgeSeconds"] = "1",
            ["TokenClean:Models:Base"] = baseDir,
            ["TokenClean:Models:Reference"] = refDir,
            ["TokenClean:Models:ChatTemplate"] = "chatml",
            // One selection window over the whole input: the window closes when the input goes quiet.
            ["TokenClean:Selection:WindowSamples"] = Math.Max(1, lines.Length).ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };

        IPipelineStatus? status = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stderr = new StringWriter();
        var exit = -1;
        var serve = new Thread(() => exit = ServeHost.Run(flags, null, stderr, stop.Token, builder =>
            builder.Services.AddHostedService(sp => new StatusCapture(sp.GetRequiredService<IPipelineStatus>(), s => status = s))))
        { Name = "demo serve" };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        serve.Start();
        Console.WriteLine($"serve: group {Group}, lake {lake}");
        PipelineStatusSnapshot? last = null;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (serve.IsAlive && DateTime.UtcNow < until && !ct.IsCancellationRequested)
        {
            last = status?.Snapshot() ?? last;
            if (last is { State: "running" } s && s.Written + s.DeadLettered >= lines.Length && s.InFlight == 0 && Committed(s) >= lines.Length)
            {
                break;
            }

            Thread.Sleep(100);
        }

        stop.Cancel(); // the graceful path of SIGTERM: drain, flush the lake, commit, leave the group
        serve.Join();
        if (stderr.ToString().Length > 0)
        {
            Console.Error.Write(stderr.ToString());
        }

        var final = status?.Snapshot() ?? last;
        if (final is null)
        {
            Console.Error.WriteLine("error: serve did not start");
            return exit > 0 ? exit : 1;
        }

        PrintSummary(final, last ?? final, lines.Length, lake, clock.Elapsed);
        return exit != 0 ? exit : final.Written + final.DeadLettered == lines.Length ? 0 : 1;
    }

    private static long Committed(PipelineStatusSnapshot s)
    {
        long n = 0;
        foreach (var p in s.Partitions)
        {
            n += p.CommittedOffset ?? 0;
        }

        return n;
    }

    private static void PrintSummary(PipelineStatusSnapshot s, PipelineStatusSnapshot running, int produced, string lake, TimeSpan took)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done in {took.TotalSeconds:F1} s: {s.Written} rows written, {s.DeadLettered} dead-lettered, of {produced} produced"));
        foreach (var p in running.Partitions.OrderBy(p => p.Partition))
        {
            Console.WriteLine($"  partition {p.Partition}        committed offset {p.CommittedOffset?.ToString(CultureInfo.InvariantCulture) ?? "none"} (only offsets whose output is durable)");
        }

        var files = Directory.Exists(lake) ? Directory.GetFiles(lake, "*.arrow", SearchOption.AllDirectories) : [];
        Console.WriteLine($"  lake files       {files.Length} under {lake} (topic+partition+offset range in each name)");
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            Console.WriteLine($"    {Path.GetFileName(file)}");
        }

        var deadLetters = Directory.Exists(lake) ? Directory.GetFiles(lake, "*.jsonl", SearchOption.AllDirectories) : [];
        if (deadLetters.Length > 0)
        {
            var reasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
            foreach (var line in deadLetters.SelectMany(File.ReadLines))
            {
                using var doc = System.Text.Json.JsonDocument.Parse(line);
                var reason = doc.RootElement.GetProperty("reason").GetString() ?? "?";
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }

            Console.WriteLine($"  dead letters     {string.Join(", ", reasons.Select(r => $"{r.Value} {r.Key}"))} in {string.Join(", ", deadLetters.Select(Path.GetFileName))}");
        }
    }

    /// <summary>Hands the demo the running service's status.</summary>
    private sealed class StatusCapture(IPipelineStatus status, Action<IPipelineStatus> publish) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            publish(status);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
