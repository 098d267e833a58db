using Apache.Arrow;
using ParquetSharp;
using ParquetSharp.Arrow;
using TokenClean.Sink.Arrow;

namespace TokenClean.Sink.Parquet;

/// <summary>
/// Parquet through ParquetSharp's Arrow writer (<see cref="FileWriter"/>, Apache Parquet C++): the same record
/// batches as the Arrow writers, one row group per batch, zstd-compressed column chunks. The Arrow schema is stored
/// in the file (<c>ARROW:schema</c>) and its metadata becomes the Parquet key-value metadata, so readers see the
/// same types, nullability and <c>tokenclean.*</c> keys. Lists are Parquet's three-level lists, whose child is
/// named <c>element</c> (Arrow's is <c>item</c>).
/// </summary>
public sealed class ParquetBatchWriter : BatchWriter
{
    private readonly FileWriter _writer;

    public ParquetBatchWriter(Stream stream, Schema schema, bool leaveOpen = false)
        : base(stream, schema, leaveOpen)
    {
        using var properties = new WriterPropertiesBuilder()
            .Compression(Compression.Zstd)
            .CreatedBy("tokenclean (ParquetSharp " + typeof(FileWriter).Assembly.GetName().Version + ")")
            .Build();
        using var arrowProperties = new ArrowWriterPropertiesBuilder().StoreSchema().Build();
        _writer = new FileWriter(Output, schema, properties, arrowProperties, leaveOpen: true);
    }

    private protected override void WriteCore(RecordBatch batch) =>
        _writer.WriteRecordBatch(batch, chunkSize: Math.Max(1, batch.Length));

    private protected override void FinishCore() => _writer.Close();

    private protected override void DisposeCore() => _writer.Dispose();
}
