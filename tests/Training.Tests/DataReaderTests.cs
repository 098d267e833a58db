using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;
using TokenClean.Sink.Parquet;
using TokenClean.Training.Data;

namespace TokenClean.Training.Tests;

/// <summary>Training data from the product's own cleaned output (Arrow and Parquet, written by the Sink's writers) and JSONL.</summary>
public sealed class DataReaderTests
{
    [Theory]
    [InlineData("cleaned.arrow")]
    [InlineData("cleaned.parquet")]
    public void LakeFile_LabelsColumnSaysWhatIsLearned_RowsCleanedToNothingAreLeftOut(string name)
    {
        using var dir = new TempDirectory();
        var path = dir.Sub(name);
        WriteLakeFile(path);

        var data = TrainingDataReader.Read(path, tokenizerDirectory: null, chatTemplate: null, maxLength: 2048);

        Assert.Equal(3, data.Read);
        Assert.Equal(["r0", "r2"], data.Samples.Select(s => s.Id));
        Assert.Equal([5, 6, 7, 8, 9], data.Samples[0].InputIds);
        Assert.Equal([-100, -100, 7, -100, 9], data.Samples[0].Labels);
        Assert.Equal(2, data.Samples[0].ResponseTokens);
        Assert.Equal(1, data.Rejected["empty_response"]);

        // A directory of lake files reads them all, in name order.
        WriteLakeFile(dir.Sub("more.arrow"));
        Assert.Equal(4, TrainingDataReader.Read(dir.Path, null, null, 2048).Samples.Count);
    }

    [Fact]
    public void Jsonl_PreTokenizedWithoutTokenizer_CutToMaxLength_TextSamplesExplained()
    {
        using var dir = new TempDirectory();
        var path = dir.Sub("data.jsonl");
        File.WriteAllLines(path,
        [
            "{\"id\": \"a\", \"input_ids\": [1, 2, 3, 4, 5, 6], \"labels\": [-100, -100, 3, 4, 5, 6]}",
            "{\"id\": \"b\", \"input_ids\": [1, 2, 3, 4, 5, 6], \"labels\": [-100, -100, -100, -100, 5, 6]}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}",
            "not json",
        ]);

        var data = TrainingDataReader.Read(path, tokenizerDirectory: dir.Path, chatTemplate: null, maxLength: 4);

        Assert.Equal(4, data.Read);
        var a = Assert.Single(data.Samples);
        Assert.Equal([1, 2, 3, 4], a.InputIds);
        Assert.True(a.Truncated);
        Assert.Equal(1, data.Rejected["empty_response"]); // b has no response token within 4 tokens
        Assert.Equal(1, data.Rejected["malformed_json"]);
        Assert.Contains(data.Examples, e => e.Contains("line 3", StringComparison.Ordinal) && e.Contains("tokenizer", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingData_IsAFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => TrainingDataReader.Read("/nonexistent/data.jsonl", null, null, 16));
    }

    private static void WriteLakeFile(string path)
    {
        var schema = OutputSchema.Create(new OutputMetadata("tok", "sha256:0", "global-topk", 0.6, "test"));
        var batch = new OutputBatch(schema);
        batch.Append(Record("r0", [5, 6, 7, 8, 9], [-100, -100, 7, -100, 9]));
        batch.Append(Record("r1", [5, 6, 7], [-100, -100, -100]));
        batch.Append(Record("r2", [1, 2, 3, 4], [-100, 2, 3, 4]));
        using var stream = File.Create(path);
        using BatchWriter writer = path.EndsWith(".parquet", StringComparison.Ordinal) ? new ParquetBatchWriter(stream, schema) : new ArrowIpcBatchWriter(stream, schema);
        writer.WriteBatch(batch.Builder);
        writer.Finish();
    }

    private static OutputRecord Record(string id, int[] ids, int[] labels) => new()
    {
        SampleId = id,
        InputIds = ids,
        Labels = labels,
        Influence = ids.Select(_ => 0.5f).ToArray(),
        ResponseTokens = ids.Length / 2,
        KeptTokens = labels.Count(l => l != -100),
        RefModelVersion = "v0",
        BaseModel = "base",
        Threshold = 0,
        ScoredAt = DateTimeOffset.UnixEpoch,
    };
}
