using System.Text;
using Confluent.Kafka;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Tokenization;
using TokenClean.Sink.Lake;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// What the broker-fault and rebalance tests share: a mock cluster in this process (so it outlives the serve child
/// processes), one input topic, a lake folder, a producer that feeds samples continuously while faults happen, and
/// the final exactly-once check (every input offset once in rows or dead letters, and committed in Kafka).
/// </summary>
internal sealed class ServeFaultHarness : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-faults-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _pool;
    private Thread? _feeder;
    private volatile bool _feeding;
    private long _fed;
    private Exception? _feedError;

    public ServeFaultHarness(int brokers, int partitions, string topic = "samples", string protocol = GroupProtocols.Classic)
    {
        Directory.CreateDirectory(_dir);
        Cluster = GroupProtocols.StartCluster(brokers);
        Protocol = protocol;
        Topic = topic;
        Partitions = partitions;
        Cluster.CreateTopic(topic, partitions);
        _pool = SampleLines.Mixed(1000, badEvery: 10, seed: 3, HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize);
    }

    public KafkaMockCluster Cluster { get; }

    /// <summary>The consumer group protocol the serve instances use.</summary>
    public string Protocol { get; }

    public string Topic { get; }

    public int Partitions { get; }

    public string Lake => Path.Combine(_dir, "lake");

    /// <summary>Starts <c>serve</c> on this harness's topic and lake; lake files are committed every 0.3 s.</summary>
    public ServeProcess StartServe(string group, params string[] extra) => StartServe(group, new Dictionary<string, string>(), extra);

    /// <summary>As <see cref="StartServe(string, string[])"/>, with extra environment variables (settings without a flag).</summary>
    public ServeProcess StartServe(string group, Dictionary<string, string> environment, params string[] extra)
    {
        environment.TryAdd("TokenClean__Lake__MaxFileAgeSeconds", "0.3");
        return ServeProcess.Start(ServeProcess.ArgsFor(Protocol, Cluster.BootstrapServers, Topic, Lake, group, ["--selection", "per-sample", .. extra]), environment);
    }

    /// <summary>Produces <paramref name="perTick"/> samples every 50 ms on a background thread until <see cref="StopFeeding"/>.</summary>
    public void StartFeeding(int perTick)
    {
        _feeding = true;
        _feeder = new Thread(() => Feed(perTick)) { IsBackground = true, Name = "test feeder" };
        _feeder.Start();
    }

    /// <summary>Stops the feeder once every produced sample is acknowledged; returns how many were produced in all (every feeding so far).</summary>
    public long StopFeeding()
    {
        _feeding = false;
        _feeder?.Join();
        _feeder = null;
        if (_feedError is not null)
        {
            throw new InvalidOperationException("the test feeder failed: " + _feedError.Message, _feedError);
        }

        return Interlocked.Read(ref _fed);
    }

    /// <summary>Waits until the topic holds at least <paramref name="count"/> records.</summary>
    public void WaitForEndOffsets(long count)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (KafkaProbe.EndOffsets(Cluster.BootstrapServers, Topic, Partitions).Sum() < count)
        {
            Assert.True(DateTime.UtcNow < until, $"fewer than {count} records produced after 30 s");
            Thread.Sleep(100);
        }
    }

    /// <summary>Input offsets the lake accounts for (committed files' ranges: rows and dead-lettered offsets), cheap to poll.</summary>
    public long Processed()
    {
        long n = 0;
        foreach (var f in LakeScan.Run(Path.Combine(Lake, "cleaned"), removeTempFiles: false).Files)
        {
            n += f.LastOffset - f.FirstOffset + 1;
        }

        return n;
    }

    /// <summary>Waits until the lake accounts for at least <paramref name="count"/> offsets while every given instance runs.</summary>
    public void WaitForProcessed(long count, TimeSpan timeout, params ServeProcess[] running)
    {
        var until = DateTime.UtcNow + timeout;
        while (Processed() < count)
        {
            foreach (var s in running)
            {
                Assert.False(s.HasExited, $"serve (pid {s.Id}) exited early with {(s.HasExited ? s.ExitCode : 0)}:\n{s.Output}");
            }

            Assert.True(DateTime.UtcNow < until, $"only {Processed()} of {count} offsets in the lake after {timeout}:\n{string.Join("\n----\n", running.Select(s => s.Output))}");
            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// Waits for the lake to hold everything produced, stops the instances with SIGTERM (each must exit 0), and checks
    /// the invariant: every offset exactly once in rows or dead letters, and the group's committed offsets at the end.
    /// </summary>
    public LakeContents FinishAndAssertExactlyOnce(string group, TimeSpan timeout, params ServeProcess[] running)
    {
        var ends = Finish(group, timeout, running);
        var contents = LakeContents.Read(Lake);
        ServeEndToEndTests.AssertExactlyOnce(contents.Offsets(), ends);
        return contents;
    }

    /// <summary>
    /// Waits for the lake to account for every produced offset, stops the instances with SIGTERM (each must exit 0)
    /// and checks that the group committed every partition's end offset. Returns the end offsets.
    /// </summary>
    public long[] Finish(string group, TimeSpan timeout, params ServeProcess[] running)
    {
        var ends = KafkaProbe.EndOffsets(Cluster.BootstrapServers, Topic, Partitions);
        WaitForProcessed(ends.Sum(), timeout, running);
        foreach (var s in running)
        {
            s.Terminate();
        }

        foreach (var s in running)
        {
            Assert.True(s.WaitForExit(TimeSpan.FromSeconds(30)), $"serve (pid {s.Id}) did not exit after SIGTERM:\n{s.Output}");
            Assert.True(s.ExitCode == 0, $"serve (pid {s.Id}) exited {s.ExitCode}:\n{s.Output}");
        }

        Assert.Equal(ends, KafkaProbe.Committed(Cluster.BootstrapServers, group, Topic, Partitions));
        return ends;
    }

    public void Dispose()
    {
        _feeding = false;
        _feeder?.Join();
        Cluster.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private void Feed(int perTick)
    {
        try
        {
            var config = new ProducerConfig
            {
                BootstrapServers = Cluster.BootstrapServers,
                Acks = Acks.All,
                EnableIdempotence = true, // retries after injected errors must not duplicate input
                LingerMs = 5,
            };
            using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
            var failed = 0;
            var i = 0;
            while (_feeding)
            {
                for (var k = 0; k < perTick; k++)
                {
                    var line = Encoding.UTF8.GetBytes(_pool[i++ % _pool.Count]);
                    producer.Produce(Topic, new Message<Null, byte[]> { Value = line }, r =>
                    {
                        if (r.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                        }
                        else
                        {
                            Interlocked.Increment(ref _fed);
                        }
                    });
                }

                Thread.Sleep(50);
            }

            if (producer.Flush(TimeSpan.FromSeconds(60)) > 0 || Volatile.Read(ref failed) > 0)
            {
                throw new InvalidOperationException($"{Volatile.Read(ref failed)} test samples were not acknowledged");
            }
        }
        catch (Exception e)
        {
            _feedError = e;
        }
    }
}
