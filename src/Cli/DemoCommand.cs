using System.CommandLine;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Observability;
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
            Description = "JSON Lines file of samples to stream through the embedded Kafka cluster (default: the demo's own samples).",
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Where the self-made models and the lake (Arrow files, dead letters) go.",
            DefaultValueFactory = _ => new DirectoryInfo("demo-out"),
        };
        var http = new Option<string>("--http")
        {
            Description = "Serve the status page and the token inspector here (e.g. http://127.0.0.1:8080) and keep it up after the stream ends, until Ctrl-C.",
        };
        var command = new Command(
            "demo",
            "Run serve on the demo samples: an embedded Kafka cluster, self-made tokenizer and base/reference models, " +
            "token scoring on the scorer actors, top-60% selection over the whole input, exactly-once Arrow lake files " +
            "with per-token losses, offsets committed; then a summary with samples printed token by token.") { input, output, http };
        command.SetAction((parse, ct) => Task.FromResult(Run(DemoWorlds.For(parse.GetValue(input)), parse.GetValue(input), parse.GetValue(output)!, parse.GetValue(http), Console.Out, ct)));
        return command;
    }

    /// <summary>Runs the demo of <paramref name="world"/>; returns the exit code (0: every sample written or dead-lettered).</summary>
    internal static int Run(IDemoWorld world, FileInfo? input, DirectoryInfo output, string? http, TextWriter stdout, CancellationToken ct)
    {
        if (input is { Exists: false })
        {
            Console.Error.WriteLine($"error: input file not found: {input.FullName}");
            return 2;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lines = world.Samples(input);
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic(Topic, partitions: 3);
        stdout.WriteLine($"embedded Kafka cluster: {cluster.BootstrapServers} ({cluster.BrokerCount} brokers), topic {Topic} (3 partitions)");
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            foreach (var line in lines)
            {
                producer.Produce(Topic, new Message<Null, byte[]> { Value = Encoding.UTF8.GetBytes(line) });
            }

            producer.Flush(ct);
        }

        stdout.WriteLine($"produced {lines.Count} samples");
        stdout.WriteLine("preparing models: " + world.Description);
        var (baseDir, refDir) = world.PrepareModels(Path.Combine(output.FullName, "models"), lines);
        var lake = Path.Combine(output.FullName, "lake");
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["TokenClean:Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["TokenClean:Kafka:Topics"] = Topic,
            ["TokenClean:Kafka:GroupId"] = Group,
            ["TokenClean:Lake:Root"] = lake,
            ["TokenClean:Lake:MaxFileAgeSeconds"] = "1",
            // The inspector shows each token's base and reference loss: the demo's lake carries them.
            ["TokenClean:Lake:EmitLosses"] = "true",
            ["TokenClean:Models:Base"] = baseDir,
            ["TokenClean:Models:Reference"] = refDir,
            ["TokenClean:Models:ChatTemplate"] = "chatml",
            // One selection window over the whole input: the window closes when the input goes quiet.
            ["TokenClean:Selection:WindowSamples"] = Math.Max(1, lines.Count).ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (!string.IsNullOrWhiteSpace(http))
        {
            flags["TokenClean:Http:Urls"] = http;
        }

        IPipelineStatus? status = null;
        StatusServer? page = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var stderr = new StringWriter();
        var exit = -1;
        var serve = new Thread(() => exit = ServeHost.Run(flags, null, stderr, stop.Token, builder =>
            builder.Services.AddHostedService(sp => new StatusCapture(sp.GetRequiredService<IPipelineStatus>(), s => status = s, () => page = sp.GetService<StatusServer>()))))
        { Name = "demo serve" };
        serve.Start();
        stdout.WriteLine($"serve: group {Group}, lake {lake}");
        PipelineStatusSnapshot? last = null;
        var announced = false;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (serve.IsAlive && DateTime.UtcNow < until && !ct.IsCancellationRequested)
        {
            if (!announced && page is { Addresses.Count: > 0 } p)
            {
                stdout.WriteLine($"status page: {p.Addresses[0]}");
                announced = true;
            }

            last = status?.Snapshot() ?? last;
            if (last is { State: "running" } s && s.Written + s.DeadLettered >= lines.Count && s.InFlight == 0 && Committed(s) >= lines.Count)
            {
                break;
            }

            Thread.Sleep(100);
        }

        var streamed = clock.Elapsed;
        var keepPage = page is not null && serve.IsAlive && !ct.IsCancellationRequested;
        if (!keepPage)
        {
            stop.Cancel(); // the graceful path of SIGTERM: drain, flush the lake, commit, leave the group
            serve.Join();
        }

        var final = status?.Snapshot() ?? last;
        if (final is null)
        {
            Console.Error.Write(stderr.ToString());
            Console.Error.WriteLine("error: serve did not start");
            return exit > 0 ? exit : 1;
        }

        new DemoSummary(world, lines.Count, lake, stdout).Print(final, last ?? final, streamed);
        if (keepPage)
        {
            stdout.WriteLine($"the status page stays up at {page!.Addresses[0]} (the service idles on the drained topic): Ctrl-C to stop");
            ct.WaitHandle.WaitOne();
            stop.Cancel();
            serve.Join();
        }

        if (stderr.ToString().Length > 0)
        {
            Console.Error.Write(stderr.ToString());
        }

        return exit > 0 ? exit : final.Written + final.DeadLettered == lines.Count ? 0 : 1;
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

    /// <summary>Hands the demo the running service's status.</summary>
    private sealed class StatusCapture(IPipelineStatus status, Action<IPipelineStatus> publish, Action started) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            publish(status);
            started();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
