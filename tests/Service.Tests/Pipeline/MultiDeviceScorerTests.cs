using System.Text;
using TokenClean.Core.Sources;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Scoring;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Service.Refresh;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// One scorer per device (<c>TokenClean:Models:Devices</c>): batches go to whichever device is free, each device
/// scores with its own base and reference copies, and the batches still reach the selector and the lake in input
/// order (the lake refuses a partition's offsets out of order).
/// </summary>
public sealed class MultiDeviceScorerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-multi-device-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Score_TwoDevices_BothScoreConcurrentlyWithTheirOwnModelsAndEveryOffsetIsWrittenOnceInOrder()
    {
        var settings = new ServeSettings { Lake = { Root = _root }, Batching = { MaxTokens = 64, MaxDelayMs = 10 }, Selection = { Mode = "per-sample" } };
        var encoder = new SampleEncoder(HfTokenizer.FromFile(StreamingAssets.BaseDir), ChatTemplate.Resolve("chatml", StreamingAssets.BaseDir));
        var concurrency = new Concurrency();
        // Device 0 is much slower than device 1, so later batches finish before earlier ones.
        using var base0 = new DeviceModel("base@0", 80, concurrency);
        using var base1 = new DeviceModel("base@1", 5, concurrency);
        var ref0 = new DeviceModel("ref@0", 0, null);
        var ref1 = new DeviceModel("ref@1", 0, null);
        using var references = new FixedReferenceModel([ref0, ref1]);
        using var metrics = new PipelineMetrics();
        var generations = new PartitionGenerations();
        var tracker = new OffsetTracker();
        var reports = new SinkReports();
        var depths = new StageDepths();
        var lake = DataLakeSink.Open(new LakeOptions { Root = _root, Dataset = "cleaned" }, new OutputMetadata("t", "h", "per-sample", 0.6, "test"));
        using var writer = new LakeSink(lake, new FileDeadLetterSink(_root, "cleaned"), generations, reports, metrics, base0.Version);
        using var system = PipelineActorSystem.Create();
        var inlet = new GraphInlet(settings.Pipeline.TokenizeCapacity, depths);
        var pipeline = PipelineCore.Start(
            system, settings, record => Tokenize.Record(encoder, record), [base0, base1], references, settings.Selection.CreatePolicy(), generations.IsCurrent, metrics, depths,
            inlet.Source, writer.Write);

        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        foreach (var partition in new[] { 0, 1 })
        {
            var p = SourcePartition.Kafka("t", partition);
            var generation = generations.Assign(p);
            var offset = 0;
            foreach (var line in SampleLines.Mixed(40, badEvery: 0, seed: 5 + partition, vocab))
            {
                var record = new ConsumedRecord(p.At(offset), generation, Encoding.UTF8.GetBytes(line), null);
                tracker.Consumed(record.Position);
                Assert.True(SpinWait.SpinUntil(() => inlet.TryOffer(record), TimeSpan.FromSeconds(20)));
                offset++;
            }
        }

        inlet.Complete();
        await pipeline.Completion.WaitAsync(TimeSpan.FromSeconds(25));
        Assert.True(pipeline.Stop(TimeSpan.FromSeconds(10)));
        writer.Flush();
        reports.ApplyTo(tracker);

        Assert.True(base0.Calls > 0 && base1.Calls > 0, $"device 0 scored {base0.Calls} batches, device 1 {base1.Calls}");
        Assert.Equal(2, concurrency.Peak);
        Assert.Equal(base0.Calls, ref0.Calls); // each device pairs its own base with its own reference copy
        Assert.Equal(base1.Calls, ref1.Calls);
        Assert.Equal([SourcePartition.Kafka("t", 0).At(40), SourcePartition.Kafka("t", 1).At(40)], tracker.Committable().OrderBy(c => c.Source.Partition));
        var contents = LakeContents.Read(_root);
        Assert.Empty(contents.DeadLetters);
        ServeEndToEndTests.AssertExactlyOnce(contents.Offsets(), [40, 40]);
    }

    private sealed class Concurrency
    {
        private int _active;
        private int _peak;

        public int Peak => Volatile.Read(ref _peak);

        public void Enter()
        {
            var now = Interlocked.Increment(ref _active);
            int seen;
            while (now > (seen = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }

        public void Leave() => Interlocked.Decrement(ref _active);
    }

    /// <summary>Loss 0 everywhere (NaN at position 0) after a delay; counts its calls and, for base copies, the batches running at once.</summary>
    private sealed class DeviceModel(string name, int delayMs, Concurrency? concurrency) : ITokenLossModel
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Version => name;

        public int VocabSize => 1 << 16;

        public int MaxSequenceLength => 4096;

        public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
        {
            Interlocked.Increment(ref _calls);
            concurrency?.Enter();
            Thread.Sleep(delayMs);
            concurrency?.Leave();
            var result = new float[sequences.Count][];
            for (var i = 0; i < sequences.Count; i++)
            {
                result[i] = new float[sequences[i].Length];
                result[i][0] = float.NaN;
            }

            return result;
        }

        public void Dispose()
        {
        }
    }
}
