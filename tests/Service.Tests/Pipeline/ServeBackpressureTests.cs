using Microsoft.Extensions.DependencyInjection;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Tokenization;
using TokenClean.Service.Refresh;
using TokenClean.Tests.Shared;
using Xunit.Abstractions;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Backpressure and graceful shutdown, with serve in process: a slow scorer fills the mailboxes, the consumer
/// pauses its partitions (queues stay within their bounds) and resumes once they drain; stopping drains and commits.
/// </summary>
[Collection("console")]
public sealed class ServeBackpressureTests(ITestOutputHelper output) : IDisposable
{
    private const string Topic = "slow";
    private const int Partitions = 2;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-bp-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Serve_SlowScorer_PausesConsumptionWithinTheMailboxBoundsAndResumesUntilDone()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, Partitions);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        const int count = 240;
        Kcat.Produce(cluster.BootstrapServers, Topic, SampleLines.Mixed(count, badEvery: 0, seed: 3, vocab));
        var lake = Path.Combine(_dir, "lake");
        var flags = InProcessServe.Flags(cluster.BootstrapServers, Topic, lake, "bp");
        flags["TokenClean:Pipeline:TokenizeCapacity"] = "16";
        flags["TokenClean:Pipeline:BatcherCapacity"] = "8";
        flags["TokenClean:Pipeline:BatchCapacity"] = "1";
        flags["TokenClean:Pipeline:PauseAfterMs"] = "1"; // pause as soon as the first mailbox stays full (default: after 500 ms)
        flags["TokenClean:Batching:MaxTokens"] = "96";
        var slow = new SlowReferenceModel(delayMs: 25);
        long written = 0, scoredTokens = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TokenClean.Service.Observability.PipelineMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "tokenclean.samples")
            {
                Interlocked.Add(ref written, value);
            }
            else if (instrument.Name == "tokenclean.tokens.scored")
            {
                Interlocked.Add(ref scoredTokens, value);
            }
        });
        listener.Start();
        try
        {
            using var serve = new InProcessServe(flags, services => services.AddSingleton<IReferenceModelProvider>(slow));
            var maxDepth = new Dictionary<string, int>(StringComparer.Ordinal);
            var maxHeld = 0;
            var pausedSeen = false;
            var resumedAfterPause = false;
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            var last = "no status yet";
            while (true)
            {
                Assert.True(DateTime.UtcNow < until, $"not done in time ({last}; scored batches {slow.Batches}): {serve.Errors}");
                var s = serve.Status?.Snapshot();
                if (s is not null)
                {
                    last = $"written {s.Written}, dead-lettered {s.DeadLettered}, in flight {s.InFlight}, held {s.Held}, paused {s.Paused}, " +
                        $"depths {string.Join(" ", s.QueueDepths.Select(d => d.Key + "=" + d.Value))}";
                }

                if (s is not null)
                {
                    foreach (var (block, depth) in s.QueueDepths)
                    {
                        maxDepth[block] = Math.Max(maxDepth.GetValueOrDefault(block), depth);
                    }

                    maxHeld = Math.Max(maxHeld, s.Held);
                    resumedAfterPause |= pausedSeen && !s.Paused;
                    pausedSeen |= s.Paused;
                    if (s.Written + s.DeadLettered >= count && s.InFlight == 0)
                    {
                        break;
                    }
                }

                Thread.Sleep(10);
            }

            Assert.Equal(0, serve.Stop(TimeSpan.FromSeconds(30)));
            output.WriteLine($"max depths {string.Join(", ", maxDepth)}; max held {maxHeld}; scored batches {slow.Batches}");
            Assert.True(pausedSeen, "the consumer never paused");
            Assert.True(resumedAfterPause, "the consumer never resumed after pausing");
            Assert.InRange(maxDepth["tokenize"], 1, 16);
            Assert.InRange(maxDepth["batcher"], 0, 8);
            Assert.InRange(maxDepth["scorer"], 0, 1);
            Assert.InRange(maxDepth["sink"], 0, 1);
            Assert.True(slow.Batches >= count / 20, $"only {slow.Batches} batches: the token budget did not split the input");

            Assert.Equal(count, Interlocked.Read(ref written)); // the metrics saw every sample leave the pipeline
            Assert.True(Interlocked.Read(ref scoredTokens) > count, "no scored tokens were counted");

            var ends = KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, Partitions);
            ServeEndToEndTests.AssertExactlyOnce(LakeContents.Read(lake).Offsets(), ends);
            Assert.Equal(ends, KafkaProbe.Committed(cluster.BootstrapServers, "bp", Topic, Partitions));
        }
        finally
        {
            slow.Release();
        }
    }
}
