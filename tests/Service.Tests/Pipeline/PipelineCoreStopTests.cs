using System.Text;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Scoring;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// The service disposes the models and the lake after the pipeline: <see cref="PipelineCore.Stop"/> must not
/// return while a block still runs. (Before it existed, a fatal lake error left the scorer running batches on a
/// disposed model: ObjectDisposedException, and native garbage from a freed libtorch module.)
/// </summary>
public sealed class PipelineCoreStopTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-pipeline-stop-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Stop_WhileABatchIsBeingScored_ReturnsOnlyAfterTheScorerFinishedAndNothingRunsLater()
    {
        var settings = new ServeSettings { Lake = { Root = _root }, Batching = { MaxTokens = 64, MaxDelayMs = 10 } };
        var encoder = new SampleEncoder(HfTokenizer.FromFile(StreamingAssets.BaseDir), ChatTemplate.Resolve("chatml", StreamingAssets.BaseDir));
        using var model = new SlowLossModel(TimeSpan.FromMilliseconds(300));
        using var metrics = new PipelineMetrics();
        var generations = new PartitionGenerations();
        var depths = new StageDepths();
        var lake = DataLakeSink.Open(new LakeOptions { Root = _root, Dataset = "cleaned" }, new OutputMetadata("t", "h", "window", 0.6, "test"));
        using var writer = new LakeSink(lake, new FileDeadLetterSink(_root, "cleaned"), generations, new SinkReports(), metrics, model.Version);
        var references = new TokenClean.Service.Refresh.FixedReferenceModel(model, null);
        using var system = PipelineActorSystem.Create();
        var inlet = new GraphInlet(settings.Pipeline.TokenizeCapacity, depths);
        var pipeline = PipelineCore.Start(
            system, settings, record => Tokenize.Record(encoder, record), [model], references, settings.Selection.CreatePolicy(), generations.IsCurrent, metrics, depths, inlet.Source, writer.Write);
        var t0 = TokenClean.Core.Sources.SourcePartition.Kafka("t", 0);
        var generation = generations.Assign(t0);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var offset = 0;
        foreach (var line in SampleLines.Mixed(60, badEvery: 0, seed: 4, vocab))
        {
            Assert.True(inlet.TryOffer(new ConsumedRecord(t0.At(offset++), generation, Encoding.UTF8.GetBytes(line), null)));
        }

        Assert.True(model.Entered.Wait(TimeSpan.FromSeconds(20)), "no batch reached the scorer");
        Assert.True(pipeline.Stop(TimeSpan.FromSeconds(20)));
        Assert.Equal(0, model.Active);
        var calls = model.Calls;
        Thread.Sleep(700);
        Assert.Equal(calls, model.Calls);
        Assert.True(calls < 60 * 2, $"{calls} scorer calls: the pipeline was not stopped mid-stream");
    }

    /// <summary>Loss 0 everywhere after a delay; counts calls and the calls in progress.</summary>
    private sealed class SlowLossModel(TimeSpan delay) : ITokenLossModel
    {
        private int _active;
        private int _calls;

        public ManualResetEventSlim Entered { get; } = new();

        public int Active => Volatile.Read(ref _active);

        public int Calls => Volatile.Read(ref _calls);

        public string Version => "slow";

        public int VocabSize => 1 << 16;

        public int MaxSequenceLength => 4096;

        public float[][] TokenLosses(IReadOnlyList<int[]> sequences, IReadOnlyList<bool[]>? lossMask = null)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Increment(ref _active);
            Entered.Set();
            Thread.Sleep(delay);
            var result = new float[sequences.Count][];
            for (var i = 0; i < sequences.Count; i++)
            {
                result[i] = new float[sequences[i].Length];
                result[i][0] = float.NaN;
            }

            Interlocked.Decrement(ref _active);
            return result;
        }

        public void Dispose() => Entered.Dispose();
    }
}
