using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using TokenClean.Core.Progress;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Sink.Lake;

namespace TokenClean.Bench;

/// <summary>
/// Memory over time of <c>tokenclean serve</c> (a child process) while samples stream in continuously: the child's
/// RSS (/proc/PID/status VmRSS) every few seconds, then the drift after warm-up. Invariant 3: memory is bounded.
/// Usage: soak [--minutes 10] [--rate 100] [--every 10] [--warmup 60]  (rate in samples/s; every and warmup in s)
/// </summary>
internal static class SoakBench
{
    private const string Topic = "soak";

    public static int Run(string[] args)
    {
        var minutes = PipelineBench.Option(args, "--minutes", 10);
        var rate = PipelineBench.Option(args, "--rate", 100);
        var every = PipelineBench.Option(args, "--every", 10);
        var warmup = PipelineBench.Option(args, "--warmup", 60);
        var root = Path.Combine(Path.GetTempPath(), "tc-bench-soak-" + Environment.ProcessId);
        try
        {
            var (baseDir, refDir) = PipelineBench.CreateAssets(root, hidden: 64, layers: 2);
            using var cluster = KafkaMockCluster.Start();
            cluster.CreateTopic(Topic, 4);
            var lake = Path.Combine(root, "lake");
            var http = "http://127.0.0.1:" + FreePort().ToString(CultureInfo.InvariantCulture);
            using var child = StartServe(cluster.BootstrapServers, lake, baseDir, refDir, http);
            using var client = new HttpClient { BaseAddress = new Uri(http), Timeout = TimeSpan.FromSeconds(5) };
            var previous = (T: 0.0, Tokens: 0L);
            using var stopFeeding = new CancellationTokenSource();
            long fed = 0;
            var feeder = new Thread(() => Feed(cluster.BootstrapServers, rate, stopFeeding.Token, ref fed)) { Name = "soak feeder" };
            feeder.Start();
            Console.WriteLine(FormattableString.Invariant($"serve pid {child.Id}: {rate} samples/s of ~1 KB chat for {minutes} min; RSS every {every} s, warm-up {warmup} s"));
            Console.WriteLine("   t_s  rss_mb      fed  processed  batches/s  tokens/batch  samples/s");
            var samples = new List<(double T, double RssMb)>();
            var sw = Stopwatch.StartNew();
            // stderr: a bar over the soak's length on a terminal, a line every 30 s in a log; stdout keeps the table.
            var progress = new TerminalProgress("soak", (long)(minutes * 60), new TerminalProgressOptions { Unit = "s", PlainInterval = TimeSpan.FromSeconds(30) });
            while (sw.Elapsed < TimeSpan.FromMinutes(minutes))
            {
                progress.Update((long)sw.Elapsed.TotalSeconds, () => FormattableString.Invariant($"{Interlocked.Read(ref fed)} samples fed"));
                Thread.Sleep(TimeSpan.FromSeconds(every));
                if (child.HasExited)
                {
                    Console.Error.WriteLine($"serve exited with {child.ExitCode}:\n{child.Tail}");
                    return 1;
                }

                var rss = RssMb(child.Id);
                samples.Add((sw.Elapsed.TotalSeconds, rss));
                var (tokens, fill, served) = ScoringStatus(client);
                var perBatch = fill * BatchTokens;
                var batchesPerSecond = perBatch > 0 ? (tokens - previous.Tokens) / perBatch / (sw.Elapsed.TotalSeconds - previous.T) : 0;
                previous = (sw.Elapsed.TotalSeconds, tokens);
                progress.WriteLine(FormattableString.Invariant($"{sw.Elapsed.TotalSeconds,6:F0} {rss,7:F1} {Interlocked.Read(ref fed),8} {Processed(lake),10} {batchesPerSecond,10:F1} {perBatch,13:F0} {served,10:F1}"), Console.Out);
            }

            progress.Finish();
            var cpuSeconds = CpuSeconds(child.Id);
            var processedAtEnd = Processed(lake);
            Console.WriteLine(FormattableString.Invariant($"serve used {cpuSeconds:F1} CPU-s in {sw.Elapsed.TotalSeconds:F0} s ({cpuSeconds / sw.Elapsed.TotalSeconds:F2} cores busy), {1000 * cpuSeconds / Math.Max(1, processedAtEnd):F2} CPU-ms per sample in the lake"));
            stopFeeding.Cancel();
            feeder.Join();
            Process.Start("kill", ["-TERM", child.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            var exited = child.WaitForExit(TimeSpan.FromSeconds(60));
            Report(samples, warmup, Interlocked.Read(ref fed), Processed(lake), exited ? child.ExitCode : -1);
            return 0;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static void Report(List<(double T, double RssMb)> samples, int warmup, long fed, long processed, int exit)
    {
        var after = samples.Where(s => s.T >= warmup).ToList();
        if (after.Count < 2)
        {
            Console.WriteLine("too short for a drift figure: run longer than the warm-up");
            return;
        }

        // Least-squares slope over the samples after warm-up, and first-to-last difference.
        var mt = after.Average(s => s.T);
        var mr = after.Average(s => s.RssMb);
        var slope = after.Sum(s => (s.T - mt) * (s.RssMb - mr)) / after.Sum(s => (s.T - mt) * (s.T - mt));
        Console.WriteLine(FormattableString.Invariant(
            $"after warm-up ({after.Count} samples, {after[0].T:F0}-{after[^1].T:F0} s): RSS {after[0].RssMb:F1} -> {after[^1].RssMb:F1} MB (drift {after[^1].RssMb - after[0].RssMb:+0.0;-0.0} MB), min {after.Min(s => s.RssMb):F1}, max {after.Max(s => s.RssMb):F1} MB, slope {slope * 60:+0.00;-0.00} MB/min"));
        Console.WriteLine(FormattableString.Invariant($"fed {fed} samples, lake holds {processed} offsets; serve exit code after SIGTERM: {exit}"));
    }

    /// <summary>serve's default batch token budget (TokenClean:Batching:MaxTokens): the batch-fill figure's denominator.</summary>
    private static readonly int BatchTokens = new TokenClean.Service.Pipeline.ServeSettings.BatchingSettings().MaxTokens;

    /// <summary>Tokens scored so far, the mean fill of recent batches and samples/s, from serve's /status (zeros when it does not answer).</summary>
    private static (long Tokens, double Fill, double SamplesPerSecond) ScoringStatus(HttpClient client)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(client.GetStringAsync("/status").GetAwaiter().GetResult());
            var root = doc.RootElement;
            var tokens = root.GetProperty("totals").GetProperty("tokensScored").GetInt64();
            var fill = root.GetProperty("batchFill").GetProperty("mean") is { ValueKind: System.Text.Json.JsonValueKind.Number } m ? m.GetDouble() : 0;
            var rate = root.GetProperty("throughput").GetProperty("samplesPerSecond").GetDouble();
            return (tokens, fill, rate);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return (0, 0, 0);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ChildProcess StartServe(string bootstrap, string lake, string baseDir, string refDir, string http)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "tokenclean.dll"), "serve", "--kafka", bootstrap, "--topics", Topic, "--group", "soak",
            "--lake", lake, "--base", baseDir, "--ref", refDir, "--chat-template", "chatml", "--http", http,
        })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["TokenClean__Lake__MaxFileAgeSeconds"] = "5";
        return new ChildProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet"));
    }

    private static void Feed(string bootstrap, int rate, CancellationToken stop, ref long fed)
    {
        var lines = ChatSampleLines.Create(2000, seed: 5).Select(Encoding.UTF8.GetBytes).ToArray();
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        var sw = Stopwatch.StartNew();
        long sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var due = (long)(sw.Elapsed.TotalSeconds * rate);
            while (sent < due)
            {
                producer.Produce(Topic, new Message<Null, byte[]> { Value = lines[sent % lines.Length] });
                sent++;
            }

            Interlocked.Exchange(ref fed, sent);
            Thread.Sleep(20);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>User + system CPU time a process has used, in seconds (/proc/PID/stat, clock ticks of 1/100 s).</summary>
    internal static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>VmRSS of a process in MB.</summary>
    internal static double RssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        return double.NaN;
    }

    private static long Processed(string lake)
    {
        long n = 0;
        foreach (var f in LakeScan.Run(Path.Combine(lake, "cleaned"), removeTempFiles: false).Files)
        {
            n += f.LastOffset - f.FirstOffset + 1;
        }

        return n;
    }
}
