using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Sink.Tests.Output;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Shared;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Tests.Parquet;

/// <summary>The lake in Parquet format, every file read back by DuckDB, an independent Parquet reader.</summary>
public sealed class ParquetLakeTests : IDisposable
{
    private static readonly SourcePartition P0 = SourcePartition.Kafka("samples", 0);
    private readonly TempDirectory _root = new();
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 21, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Flush_ParquetFormat_DuckDbReadsEveryValueTheSchemaAndTheMetadata()
    {
        using var sink = Open(maxRecords: 1000);
        var records = new List<OutputRecord>();
        for (var o = 0; o < 11; o++)
        {
            // An empty token list, a 100k-token row, and several row groups (3 rows per batch).
            var r = OutputRecords.Kafka("samples", 0, o, tokens: o == 4 ? 0 : o == 7 ? 100_000 : 8 + o);
            records.Add(r);
            sink.Append(r);
        }

        var file = Assert.Single(sink.Flush());
        Assert.EndsWith("samples+0+00000000000000000000-00000000000000000010.parquet", file.Path, StringComparison.Ordinal);
        Assert.Equal(11, file.Records);

        var rows = DuckDbParquet.Rows(file.Path);
        Assert.Equal(records.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            AssertRow(records[i], rows[i]);
        }

        var meta = DuckDbParquet.Metadata(file.Path);
        foreach (var (key, value) in OutputRecords.Metadata.ToKeyValues())
        {
            Assert.Equal(value, meta[key]);
        }

        Assert.Equal(["ZSTD"], DuckDbParquet.Codecs(file.Path));
        var schema = DuckDbParquet.Schema(file.Path);
        var top = schema.Skip(1).Where(e => e.Name is not "list" and not "element").ToList();
        Assert.Equal(
            ["sample_id", "source_topic", "source_partition", "source_offset", "input_ids", "labels", "influence", "response_tokens", "kept_tokens", "ref_model_version", "base_model", "threshold", "scored_at"],
            top.Select(e => e.Name));
        string Repetition(string name) => top.Single(e => e.Name == name).Repetition;
        Assert.Equal("REQUIRED", Repetition("sample_id"));
        Assert.Equal("OPTIONAL", Repetition("source_topic"));
        Assert.Equal("OPTIONAL", Repetition("source_offset"));
        Assert.Equal("REQUIRED", Repetition("input_ids"));
        Assert.Equal("REQUIRED", Repetition("scored_at"));
        Assert.Contains("isAdjustedToUTC=1", top.Single(e => e.Name == "scored_at").Logical, StringComparison.Ordinal);
        Assert.Equal(3, schema.Count(e => e.Name == "element")); // Parquet's list child name (Arrow's is "item")

        // The product's own reader (ParquetSharp's Arrow reader) agrees on the rows.
        Assert.Equal(11, LakeFileReader.CountRows(file.Path));
    }

    [Fact]
    public void Flush_FileInputRecords_DuckDbSeesNullProvenance()
    {
        using var sink = Open(maxRecords: 1000);
        var source = SourcePartition.File("in.jsonl");
        sink.Append(source, 0, OutputRecords.File(0));
        sink.Append(source, 1, OutputRecords.File(1));
        var file = Assert.Single(sink.Flush());
        Assert.EndsWith("in.jsonl+lines+00000000000000000000-00000000000000000001.parquet", file.Path, StringComparison.Ordinal);
        var rows = DuckDbParquet.Rows(file.Path);
        Assert.Equal(["line-0", "line-1"], rows.Select(r => (string?)r["sample_id"]));
        Assert.All(rows, r => Assert.Null(r["source_topic"]));
        Assert.All(rows, r => Assert.Null(r["source_partition"]));
        Assert.All(rows, r => Assert.Null(r["source_offset"]));
    }

    [Fact]
    public void Open_AfterParquetCommits_ResumesAfterTheLastCommittedOffsetAndSkipsDuplicates()
    {
        using (var sink = Open(maxRecords: 4))
        {
            for (var o = 0; o < 10; o++)
            {
                sink.Append(OutputRecords.Kafka("samples", 0, o));
            }

            // 0-3 and 4-7 committed by rolling; 8-9 open, lost when disposed without a flush.
        }

        using var reopened = Open(maxRecords: 4);
        Assert.Equal(8, reopened.NextOffset(P0));
        Assert.Equal(2, reopened.Scan.Files.Count);
        Assert.False(reopened.Append(OutputRecords.Kafka("samples", 0, 5)).Accepted);
        Assert.True(reopened.Append(OutputRecords.Kafka("samples", 0, 8)).Accepted);
        var last = Assert.Single(reopened.Flush());
        Assert.Equal(["samples-0-8"], DuckDbParquet.SampleIds(last.Path));
        var all = reopened.Scan.Files.Select(f => f.Path).Append(last.Path).SelectMany(DuckDbParquet.SampleIds).ToList();
        Assert.Equal(Enumerable.Range(0, 9).Select(o => $"samples-0-{o}"), all);
    }

    [Fact]
    public void Open_LakeWithArrowAndParquetFiles_ResumesFromBoth()
    {
        using (var arrow = DataLakeSink.Open(new LakeOptions { Root = _root.Path, Dataset = "ds", Time = _time }, OutputRecords.Metadata))
        {
            arrow.Append(OutputRecords.Kafka("samples", 0, 0));
            arrow.Append(OutputRecords.Kafka("samples", 0, 1));
            arrow.Flush();
        }

        using (var parquet = Open(maxRecords: 1000))
        {
            Assert.Equal(2, parquet.NextOffset(P0));
            parquet.Append(OutputRecords.Kafka("samples", 0, 2));
            parquet.Flush();
        }

        using var reopened = DataLakeSink.Open(new LakeOptions { Root = _root.Path, Dataset = "ds", Time = _time }, OutputRecords.Metadata);
        Assert.Equal(3, reopened.NextOffset(P0));
        Assert.Equal([".arrow", ".parquet"], reopened.Scan.Files.Select(f => Path.GetExtension(f.Path)));
        Assert.Empty(reopened.Scan.Overlaps);
    }

    internal static void AssertRow(OutputRecord expected, Dictionary<string, object?> row)
    {
        Assert.Equal(expected.SampleId, row["sample_id"]);
        Assert.Equal(expected.SourceTopic, row["source_topic"]);
        Assert.Equal(expected.SourcePartition, (int?)row["source_partition"]);
        Assert.Equal(expected.SourceOffset, (long?)row["source_offset"]);
        Assert.Equal(expected.InputIds.ToArray(), DuckDbParquet.Ints(row["input_ids"]));
        Assert.Equal(expected.Labels.ToArray(), DuckDbParquet.Ints(row["labels"]));
        var influence = DuckDbParquet.Floats(row["influence"]);
        Assert.Equal(expected.Influence.Length, influence.Length);
        for (var i = 0; i < influence.Length; i++)
        {
            // Bit-exact, NaN included (a NaN compares unequal to itself).
            Assert.Equal(BitConverter.SingleToInt32Bits(expected.Influence.Span[i]), BitConverter.SingleToInt32Bits(influence[i]));
        }

        Assert.Equal(expected.ResponseTokens, row["response_tokens"]);
        Assert.Equal(expected.KeptTokens, row["kept_tokens"]);
        Assert.Equal(expected.RefModelVersion, row["ref_model_version"]);
        Assert.Equal(expected.BaseModel, row["base_model"]);
        Assert.Equal(expected.Threshold, row["threshold"]);
        Assert.Equal(expected.ScoredAt.ToUnixTimeMilliseconds(), row["scored_at"]);
    }

    private DataLakeSink Open(int maxRecords) =>
        DataLakeSink.Open(
            new LakeOptions { Root = _root.Path, Dataset = "ds", Format = LakeFileFormat.Parquet, MaxRecordsPerFile = maxRecords, RecordsPerBatch = 3, Time = _time },
            OutputRecords.Metadata);
}
