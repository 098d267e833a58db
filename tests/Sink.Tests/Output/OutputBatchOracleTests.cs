using TokenClean.Tests.Oracles;
using System.Text.Json;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;
using TokenClean.Sink.Tests.Arrow;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Shared;

namespace TokenClean.Sink.Tests.Output;

public sealed class OutputBatchOracleTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [MemberData(nameof(ArrowWriterOracleTests.Formats), MemberType = typeof(ArrowWriterOracleTests))]
    public void Append_KafkaAndFileRecords_JsReaderSeesTheOutputSchemaMetadataAndValues(string format)
    {
        var schema = OutputSchema.Create(OutputRecords.Metadata);
        var batch = new OutputBatch(schema);
        var records = new[] { OutputRecords.Kafka("samples", 2, 41), OutputRecords.File(7), OutputRecords.Kafka("samples", 2, 42, tokens: 3) };
        foreach (var r in records)
        {
            batch.Append(r);
        }

        var path = _dir.File("out.arrow");
        using (var writer = ArrowWriterOracleTests.CreateWriter(format, File.Create(path), schema))
        {
            writer.WriteBatch(batch.Builder);
            writer.Finish();
        }

        var js = ArrowJs.ReadOne(path);
        var expectTypes = new (string Name, string Type, bool Nullable)[]
        {
            ("sample_id", "Utf8", false), ("source_topic", "Utf8", true), ("source_partition", "Int", true),
            ("source_offset", "Int", true), ("input_ids", "List", false), ("labels", "List", false),
            ("influence", "List", false), ("response_tokens", "Int", false), ("kept_tokens", "Int", false),
            ("ref_model_version", "Utf8", false), ("base_model", "Utf8", false), ("threshold", "Float", false),
            ("scored_at", "Timestamp", false),
        };
        var fields = js.GetProperty("schema");
        Assert.Equal(expectTypes.Length, fields.GetArrayLength());
        for (var i = 0; i < expectTypes.Length; i++)
        {
            Assert.Equal(expectTypes[i].Name, fields[i].GetProperty("name").GetString());
            Assert.Equal(expectTypes[i].Type, fields[i].GetProperty("type").GetProperty("id").GetString());
            Assert.Equal(expectTypes[i].Nullable, fields[i].GetProperty("nullable").GetBoolean());
        }

        Assert.Equal("List<Float32>", fields[6].GetProperty("type").GetProperty("text").GetString());
        Assert.Equal("Timestamp<MILLISECOND, UTC>", fields[12].GetProperty("type").GetProperty("text").GetString());

        var meta = js.GetProperty("metadata");
        Assert.Equal("qwen3", meta.GetProperty("tokenclean.tokenizer_id").GetString());
        Assert.Equal("sha256:abc", meta.GetProperty("tokenclean.tokenizer_hash").GetString());
        Assert.Equal("global-topk", meta.GetProperty("tokenclean.selection_mode").GetString());
        Assert.Equal("0.6", meta.GetProperty("tokenclean.keep_ratio").GetString());
        Assert.Equal("0.1.0-test", meta.GetProperty("tokenclean.software_version").GetString());
        Assert.Equal(OutputMetadata.SchemaVersion, meta.GetProperty("tokenclean.schema_version").GetString());

        var c = js.GetProperty("columns");
        for (var row = 0; row < records.Length; row++)
        {
            var r = records[row];
            Assert.Equal(r.SampleId, c.GetProperty("sample_id")[row].GetString());
            Assert.Equal(r.SourceTopic, c.GetProperty("source_topic")[row].GetString());
            if (r.SourcePartition is null)
            {
                Assert.Equal(JsonValueKind.Null, c.GetProperty("source_partition")[row].ValueKind);
                Assert.Equal(JsonValueKind.Null, c.GetProperty("source_offset")[row].ValueKind);
            }
            else
            {
                Assert.Equal(r.SourcePartition, c.GetProperty("source_partition")[row].GetInt32());
                Assert.Equal(r.SourceOffset.ToString(), c.GetProperty("source_offset")[row].GetString());
            }

            Assert.Equal(r.InputIds.ToArray(), c.GetProperty("input_ids")[row].EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(r.Labels.ToArray(), c.GetProperty("labels")[row].EnumerateArray().Select(e => e.GetInt32()));
            var influence = c.GetProperty("influence")[row].EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? float.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : e.GetSingle());
            Assert.Equal(r.Influence.ToArray(), influence);
            Assert.Equal(r.ResponseTokens, c.GetProperty("response_tokens")[row].GetInt32());
            Assert.Equal(r.KeptTokens, c.GetProperty("kept_tokens")[row].GetInt32());
            Assert.Equal(r.RefModelVersion, c.GetProperty("ref_model_version")[row].GetString());
            Assert.Equal(r.BaseModel, c.GetProperty("base_model")[row].GetString());
            Assert.Equal(r.Threshold, c.GetProperty("threshold")[row].GetSingle());
            Assert.Equal(r.ScoredAt.ToUnixTimeMilliseconds(), c.GetProperty("scored_at")[row].GetInt64());
        }
    }

    [Fact]
    public void Append_TokenArraysOfDifferentLengths_ThrowsAndNamesTheSample()
    {
        var batch = new OutputBatch(OutputSchema.Create(OutputRecords.Metadata));
        var good = OutputRecords.Kafka("t", 0, 1);
        var bad = new OutputRecord
        {
            SampleId = "odd", InputIds = good.InputIds, Labels = good.Labels[..3], Influence = good.Influence,
            ResponseTokens = 1, KeptTokens = 1, RefModelVersion = "r", BaseModel = "b", Threshold = 0, ScoredAt = OutputRecords.ScoredAt,
        };
        var e = Assert.Throws<ArgumentException>(() => batch.Append(bad));
        Assert.Contains("odd", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, batch.Count);
    }
}
