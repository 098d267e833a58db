using TokenClean.Sink.Lake;
using TokenClean.Sink.Tests.Output;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Shared;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Tests.Lake;

/// <summary>
/// <see cref="DataLakeSink.Discard"/>: a lost partition's open file is abandoned, so the instance that lost it never
/// commits a file overlapping the new owner's.
/// </summary>
public sealed class DataLakeSinkDiscardTests : IDisposable
{
    private static readonly SourcePartition P0 = SourcePartition.Kafka("samples", 0);
    private static readonly SourcePartition P1 = SourcePartition.Kafka("samples", 1);
    private readonly TempDirectory _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Discard_OpenFile_DeletesItsTemporaryFileAndLeavesTheNextOffsetAtTheLastCommit()
    {
        using var sink = Open();
        for (var o = 0; o < 4; o++)
        {
            sink.Append(OutputRecords.Kafka("samples", 0, o)); // commits 0-2, leaves 3 open
            sink.Append(OutputRecords.Kafka("samples", 1, o));
        }

        Assert.Equal(2, TempFiles().Count);
        Assert.True(sink.Discard(P0));
        Assert.False(sink.Discard(P0));
        Assert.Single(TempFiles());
        Assert.DoesNotContain(TempFiles(), n => n.Contains("samples+0+", StringComparison.Ordinal));
        Assert.Equal(3, sink.NextOffset(P0));

        var flushed = sink.Flush();
        Assert.Equal([P1], flushed.Select(f => f.Source));
        Assert.Equal(["samples+0+00000000000000000000-00000000000000000002.arrow"], CommittedNames().Where(n => n.StartsWith("samples+0+", StringComparison.Ordinal)));
        Assert.Empty(TempFiles());
    }

    [Fact]
    public void Discard_ThenAnotherOwnerWritesTheSameOffsets_TheLakeHoldsEachOffsetOnce()
    {
        using var lost = Open(shared: true);
        using var owner = Open(shared: true);

        // The session of "lost" expired and "owner" took the partition over from the committed state (offset 0);
        // "lost" had not noticed yet and kept writing the same offsets into an open file.
        Assert.Equal(0, owner.Resume(P0));
        lost.Append(OutputRecords.Kafka("samples", 0, 0));
        lost.Append(OutputRecords.Kafka("samples", 0, 1));
        for (var o = 0; o < 5; o++)
        {
            owner.Append(OutputRecords.Kafka("samples", 0, o));
        }

        Assert.True(lost.Discard(P0));
        Assert.Empty(lost.Flush());
        owner.Flush();
        var scan = LakeScan.Run(Path.Combine(_root.Path, "ds"), removeTempFiles: false);
        Assert.Empty(scan.Overlaps);
        Assert.Equal(
            ["samples+0+00000000000000000000-00000000000000000002.arrow", "samples+0+00000000000000000003-00000000000000000004.arrow"],
            CommittedNames());
    }

    [Fact]
    public void Discard_AfterDispose_Throws()
    {
        var sink = Open();
        sink.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sink.Discard(P0));
    }

    private List<string> TempFiles() =>
        [.. Directory.GetFiles(Path.Combine(_root.Path, "ds"), "*.tmp", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!)];

    private List<string> CommittedNames() =>
        [.. Directory.GetFiles(Path.Combine(_root.Path, "ds"), "*.arrow", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];

    private DataLakeSink Open(bool shared = false) =>
        DataLakeSink.Open(
            new LakeOptions { Root = _root.Path, Dataset = "ds", MaxRecordsPerFile = 3, MaxFileAge = TimeSpan.FromHours(1), RemoveTempFilesAtOpen = !shared },
            OutputRecords.Metadata);
}
