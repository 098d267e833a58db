using TokenClean.Core.Sources;
using TokenClean.Service.Observability;
using TokenClean.Service.Pipeline;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Instances of one consumer group share the lake. Opening it must not take another live instance's open files for
/// crash leftovers, and an instance that gets a partition back must resume after what another instance committed.
/// </summary>
public sealed class SharedLakeTests : IDisposable
{
    private static readonly OutputMetadata Metadata = new("tok", "hash", "window", 0.6, "test");
    private readonly string _root = Path.Combine(Path.GetTempPath(), "tc-shared-lake-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Open_AnotherWriterHoldsAnOpenFile_KeepsItAndStillRemovesCrashLeftovers()
    {
        using var first = DataLakeSink.Open(Options(), Metadata);
        Assert.True(first.Append(SourcePartition.Kafka("t", 0), 0, Record(0)).Accepted);
        var leftover = Path.Combine(_root, "cleaned", "date=2026-01-01", ".t+9+00000000000000000000.0123.tmp");
        Directory.CreateDirectory(Path.GetDirectoryName(leftover)!);
        File.WriteAllText(leftover, "torn");

        using var second = DataLakeSink.Open(Options(), Metadata);

        Assert.Equal(1, second.Scan.RemovedTempFiles);
        Assert.False(File.Exists(leftover));
        var committed = Assert.Single(first.Flush());
        Assert.True(File.Exists(committed.Path));
    }

    [Fact]
    public void LakeSinkResume_AnotherInstanceCommittedFilesSinceOpen_ResumesAfterThem()
    {
        using var metrics = new PipelineMetrics();
        var lake = DataLakeSink.Open(Options(), Metadata);
        using var writer = new LakeSink(lake, new FileDeadLetterSink(_root, "cleaned"), new PartitionGenerations(), new SinkReports(), metrics, "base");
        Assert.Equal(0, writer.Resume(TokenClean.Core.Sources.SourcePartition.Kafka("t", 1)));

        // Another instance owned partition 1 meanwhile and committed offsets 0..9 to the lake (not necessarily to Kafka).
        using (var other = DataLakeSink.Open(Options(), Metadata))
        {
            for (var o = 0; o < 10; o++)
            {
                other.Append(SourcePartition.Kafka("t", 1), o, Record(o));
            }

            other.Flush();
        }

        Assert.Equal(10, writer.Resume(TokenClean.Core.Sources.SourcePartition.Kafka("t", 1)));
        Assert.False(lake.Append(SourcePartition.Kafka("t", 1), 5, Record(5)).Accepted);
    }

    private LakeOptions Options() => new() { Root = _root, Dataset = "cleaned", MaxFileAge = TimeSpan.FromHours(1) };

    private static OutputRecord Record(long offset) => new()
    {
        SampleId = "s" + offset,
        SourceTopic = "t",
        SourcePartition = 0,
        SourceOffset = offset,
        InputIds = new[] { 1, 2, 3 },
        Labels = new[] { -100, 2, 3 },
        Influence = new[] { float.NaN, 0.5f, -0.5f },
        ResponseTokens = 2,
        KeptTokens = 2,
        RefModelVersion = "ref",
        BaseModel = "base",
        Threshold = 0f,
        ScoredAt = DateTimeOffset.UnixEpoch,
    };
}
