using TokenClean.Tests.Oracles;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Tests.Output;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Shared;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Tests.Lake;

public sealed class DataLakeSinkTests : IDisposable
{
    private static readonly SourcePartition P0 = SourcePartition.Kafka("samples", 0);
    private readonly TempDirectory _root = new();
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 21, 23, 59, 0, TimeSpan.Zero));

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Append_PastMaxRecords_CommitsFilesNamedByTopicPartitionAndOffsetRangeUnderTheUtcDate()
    {
        using var sink = Open(maxRecords: 4);
        var committed = new List<CommittedFile>();
        for (var o = 0; o < 10; o++)
        {
            var r = sink.Append(OutputRecords.Kafka("samples", 0, o));
            Assert.True(r.Accepted);
            committed.AddRange(r.Committed);
        }

        Assert.Equal(2, committed.Count);
        committed.AddRange(sink.Flush());
        var dir = Path.Combine(_root.Path, "ds", "date=2026-11-21");
        Assert.Equal(
            [
                Path.Combine(dir, "samples+0+00000000000000000000-00000000000000000003.arrow"),
                Path.Combine(dir, "samples+0+00000000000000000004-00000000000000000007.arrow"),
                Path.Combine(dir, "samples+0+00000000000000000008-00000000000000000009.arrow"),
            ],
            committed.Select(c => c.Path));
        Assert.Equal([4, 4, 2], committed.Select(c => c.Records));
        Assert.Equal(10, sink.NextOffset(P0));
        Assert.Equal(committed.Select(c => c.Path).Order(), Directory.GetFiles(dir).Order());

        var js = ArrowJs.Read([.. committed.Select(c => c.Path)]);
        Assert.Equal(["8", "9"], js[2].GetProperty("columns").GetProperty("source_offset").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("qwen3", js[0].GetProperty("metadata").GetProperty("tokenclean.tokenizer_id").GetString());
    }

    [Fact]
    public void Append_BeforeFlush_LeavesOnlyAHiddenTemporaryFile()
    {
        using var sink = Open();
        sink.Append(OutputRecords.Kafka("samples", 0, 0));
        var names = Directory.GetFiles(Path.Combine(_root.Path, "ds"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Single(names);
        Assert.StartsWith(".", names[0], StringComparison.Ordinal);
        Assert.EndsWith(".tmp", names[0], StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root.Path, "ds"), "*.arrow", SearchOption.AllDirectories));
    }

    [Fact]
    public void Open_AfterCommits_ReportsNextOffsetsAndSkipsReplayedOffsets()
    {
        using (var first = Open(maxRecords: 3))
        {
            for (var o = 5; o < 12; o++)
            {
                first.Append(OutputRecords.Kafka("samples", 0, o));
            }

            first.Append(OutputRecords.Kafka("samples", 1, 0));
            first.Flush();
        }

        using var sink = Open(maxRecords: 3);
        Assert.Equal(12, sink.NextOffset(P0));
        Assert.Equal(1, sink.NextOffset(SourcePartition.Kafka("samples", 1)));
        Assert.Equal(0, sink.NextOffset(SourcePartition.Kafka("other", 0)));
        Assert.Equal(4, sink.Scan.Files.Count);

        // A consumer restarting from an older Kafka offset replays 10 and 11: skipped, not duplicated.
        Assert.False(sink.Append(OutputRecords.Kafka("samples", 0, 10)).Accepted);
        Assert.False(sink.Append(OutputRecords.Kafka("samples", 0, 11)).Accepted);
        Assert.True(sink.Append(OutputRecords.Kafka("samples", 0, 12)).Accepted);
        Assert.False(sink.Append(OutputRecords.Kafka("samples", 0, 12)).Accepted);
        var last = Assert.Single(sink.Flush());
        Assert.Equal((12L, 12L), (last.FirstOffset, last.LastOffset));
    }

    [Fact]
    public void Resume_SharedLake_KeepsOtherSourcesOpenFilesAndSeesTheOtherInstancesCommits()
    {
        // Two instances of a consumer group share one dataset; partition 0 moves from the first to the second.
        using var first = Open(shared: true);
        first.Append(OutputRecords.Kafka("samples", 0, 0));
        first.Append(OutputRecords.Kafka("samples", 1, 0)); // stays open in the first instance
        using var second = Open(shared: true);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(_root.Path, "ds"), "*.tmp", SearchOption.AllDirectories).Length);

        first.Append(OutputRecords.Kafka("samples", 0, 1));
        Assert.Equal(0, second.NextOffset(P0)); // opened before the first instance committed anything
        first.Flush(); // the revocation: partition 0 (and 1) committed by the first instance
        first.Append(OutputRecords.Kafka("samples", 1, 1));

        Assert.Equal(2, second.Resume(P0));
        Assert.True(second.Append(OutputRecords.Kafka("samples", 0, 2)).Accepted);
        Assert.Single(second.Flush());
        Assert.Single(first.Flush()); // its open file of partition 1 was not touched
    }

    [Fact]
    public void Resume_AfterACrash_RemovesOnlyThatSourcesLeftovers()
    {
        string dateDir;
        using (var before = Open(shared: true))
        {
            before.Append(OutputRecords.Kafka("other", 0, 0));
            dateDir = Path.GetDirectoryName(Assert.Single(before.Flush()).Path)!;
        }

        // What a killed instance leaves: hidden temporary files of two partitions.
        File.WriteAllBytes(Path.Combine(dateDir, ".samples+0+00000000000000000000.0123456789abcdef0123456789abcdef.tmp"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(dateDir, ".samples+1+00000000000000000000.0123456789abcdef0123456789abcdef.tmp"), [1, 2, 3]);

        using var sink = Open(shared: true);
        Assert.Equal(0, sink.Resume(P0));
        var left = Assert.Single(Directory.GetFiles(Path.Combine(_root.Path, "ds"), "*.tmp", SearchOption.AllDirectories));
        Assert.StartsWith(".samples+1+", Path.GetFileName(left), StringComparison.Ordinal);
    }

    [Fact]
    public void CommitDue_AfterMaxFileAge_CommitsOnlyTheOldFiles()
    {
        using var sink = Open(maxAge: TimeSpan.FromMinutes(1));
        sink.Append(OutputRecords.Kafka("samples", 0, 0));
        _time.Advance(TimeSpan.FromSeconds(40));
        sink.Append(OutputRecords.Kafka("samples", 1, 0));
        Assert.Empty(sink.CommitDue());
        _time.Advance(TimeSpan.FromSeconds(30));
        var due = Assert.Single(sink.CommitDue());
        Assert.Equal(P0, due.Source);
        // The next day's files go to the next date folder.
        Assert.True(sink.Append(OutputRecords.Kafka("samples", 0, 1)).Accepted);
        var flushed = sink.Flush();
        Assert.Contains("/date=2026-11-22/", flushed.Single(f => f.Source == P0).Path, StringComparison.Ordinal);
        Assert.Contains("/date=2026-11-21/", flushed.Single(f => f.Source != P0).Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Append_PastMaxBytes_Rolls()
    {
        using var sink = Open(maxBytes: 20_000);
        var files = new List<CommittedFile>();
        for (var o = 0; o < 40; o++)
        {
            files.AddRange(sink.Append(OutputRecords.Kafka("samples", 0, o, tokens: 500)).Committed);
        }

        // 500 tokens x 12 bytes = 6 kB of token data per record: a file closes once it reaches 20 kB.
        Assert.InRange(files.Count, 8, 14);
        Assert.All(files, f => Assert.InRange(f.Bytes, 20_000, 20_000 + 8_000));
    }

    [Fact]
    public void Append_PastMaxBatchBytes_WritesSmallerRecordBatches()
    {
        using var sink = DataLakeSink.Open(new LakeOptions { Root = _root.Path, Dataset = "ds", RecordsPerBatch = 100, MaxBatchBytes = 9_000, Time = _time }, OutputRecords.Metadata);
        for (var o = 0; o < 7; o++)
        {
            sink.Append(OutputRecords.Kafka("samples", 0, o, tokens: 400)); // 4.8 kB of token data each
        }

        var js = ArrowJs.ReadOne(Assert.Single(sink.Flush()).Path);
        Assert.Equal([2, 2, 2, 1], js.GetProperty("batches").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void MarkProcessed_DeadLetteredOffsets_AreInTheFileRangeButHaveNoRow()
    {
        using var sink = Open();
        sink.Append(OutputRecords.Kafka("samples", 0, 0));
        sink.MarkProcessed(P0, 1);
        sink.Append(OutputRecords.Kafka("samples", 0, 2));
        sink.MarkProcessed(P0, 3);
        var file = Assert.Single(sink.Flush());
        Assert.Equal((0L, 3L, 2), (file.FirstOffset, file.LastOffset, file.Records));
        Assert.Equal(4, sink.NextOffset(P0));
        Assert.Equal(2, ArrowJs.ReadOne(file.Path).GetProperty("numRows").GetInt32());
    }

    [Fact]
    public void Append_FileInput_NamesTheFileByInputNameAndLineRange()
    {
        using var sink = Open();
        var source = SourcePartition.File("/data/in+put.jsonl");
        sink.Append(source, 1, OutputRecords.File(1));
        sink.Append(source, 2, OutputRecords.File(2));
        var file = Assert.Single(sink.Flush());
        Assert.Equal("in_put.jsonl+lines+00000000000000000001-00000000000000000002.arrow", Path.GetFileName(file.Path));
        using var reopened = Open();
        Assert.Equal(3, reopened.NextOffset(source));
    }

    [Fact]
    public void Flush_FileFormat_WritesFilesTheJsFileReaderReadsThroughTheFooter()
    {
        using var sink = DataLakeSink.Open(new LakeOptions { Root = _root.Path, Dataset = "ds", Format = LakeFileFormat.File, RecordsPerBatch = 2, Time = _time }, OutputRecords.Metadata);
        for (var o = 0; o < 5; o++)
        {
            sink.Append(OutputRecords.Kafka("samples", 0, o));
        }

        var js = ArrowJs.ReadOne(Assert.Single(sink.Flush()).Path);
        Assert.Equal("file", js.GetProperty("format").GetString());
        Assert.Equal([2, 2, 1], js.GetProperty("batches").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Dispose_WithoutFlush_CommitsNothingAndRemovesTheTemporaryFile()
    {
        using (var sink = Open())
        {
            sink.Append(OutputRecords.Kafka("samples", 0, 0));
        }

        Assert.Empty(Directory.GetFiles(Path.Combine(_root.Path, "ds"), "*", SearchOption.AllDirectories));
        using var reopened = Open();
        Assert.Equal(0, reopened.NextOffset(P0));
    }

    private DataLakeSink Open(int maxRecords = 1000, long maxBytes = 1L << 30, TimeSpan? maxAge = null, bool shared = false) =>
        DataLakeSink.Open(
            new LakeOptions
            {
                Root = _root.Path,
                Dataset = "ds",
                MaxRecordsPerFile = maxRecords,
                MaxBytesPerFile = maxBytes,
                MaxFileAge = maxAge ?? TimeSpan.FromHours(1),
                RecordsPerBatch = 3,
                Time = _time,
                RemoveTempFilesAtOpen = !shared,
            },
            OutputRecords.Metadata);
}
