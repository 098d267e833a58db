using Apache.Arrow;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;
using TokenClean.Sink.Tests.Output;
using TokenClean.Tests.Shared;

namespace TokenClean.Sink.Tests.Lake;

/// <summary>
/// serve's lake with the soft-weight column on (Selection:SoftWeights): the column is in the schema and every row's
/// weights come back from Arrow and Parquet files through the libraries' own readers.
/// </summary>
public sealed class DataLakeSoftWeightTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData(LakeFileFormat.Stream)]
    [InlineData(LakeFileFormat.File)]
    [InlineData(LakeFileFormat.Parquet)]
    public void Flush_WithSoftWeights_WritesTheColumn_ReadBackRowByRow(LakeFileFormat format)
    {
        var metadata = OutputRecords.Metadata with { SoftWeights = true, SoftWeightMap = "sigmoid((influence - threshold) / 1)" };
        var written = new List<float[]>();
        using (var sink = DataLakeSink.Open(new LakeOptions { Root = _root.Path, Dataset = "ds", Format = format, RecordsPerBatch = 2, Time = _time }, metadata))
        {
            for (var o = 0; o < 5; o++)
            {
                var r = OutputRecords.Kafka("samples", 0, o, tokens: 6 + o);
                var weights = Enumerable.Range(0, r.InputIds.Length).Select(j => (float)((o * 0.1) + (j * 0.01))).ToArray();
                written.Add(weights);
                Assert.True(sink.Append(WithWeights(r, weights)).Accepted);
            }

            Assert.Throws<ArgumentException>(() => sink.Append(OutputRecords.Kafka("samples", 0, 5))); // a row without weights cannot fill the column
            var file = Assert.Single(sink.Flush());
            var (schema, batches) = LakeFileReader.ReadAll(file.Path);
            Assert.Equal("soft_weight", schema.FieldsList[^1].Name);
            var read = new List<float[]>();
            foreach (var batch in batches)
            {
                using (batch)
                {
                    var list = (ListArray)batch.Column("soft_weight");
                    var values = (FloatArray)list.Values;
                    for (var i = 0; i < batch.Length; i++)
                    {
                        read.Add(Enumerable.Range(list.ValueOffsets[i], list.ValueOffsets[i + 1] - list.ValueOffsets[i]).Select(k => values.GetValue(k)!.Value).ToArray());
                    }
                }
            }

            Assert.Equal(written, read);
        }
    }

    private static OutputRecord WithWeights(OutputRecord r, float[] weights) => new()
    {
        SampleId = r.SampleId,
        SourceTopic = r.SourceTopic,
        SourcePartition = r.SourcePartition,
        SourceOffset = r.SourceOffset,
        InputIds = r.InputIds,
        Labels = r.Labels,
        Influence = r.Influence,
        ResponseTokens = r.ResponseTokens,
        KeptTokens = r.KeptTokens,
        RefModelVersion = r.RefModelVersion,
        BaseModel = r.BaseModel,
        Threshold = r.Threshold,
        ScoredAt = r.ScoredAt,
        SoftWeights = weights,
    };
}
