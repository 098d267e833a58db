using OutputRecord = TokenClean.Sink.Output.OutputRecord;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;
using TokenClean.Sink.Parquet;
using TokenClean.Core.Files;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// Writes the batch command's records as one Arrow IPC stream file (what <c>datasets.Dataset.from_file</c>
/// memory-maps; optionally with compressed bodies) or one Parquet file, with the output schema of
/// docs/ARCHITECTURE.md and, with <c>--emit-losses</c>, two more columns <c>base_loss</c> and <c>ref_loss</c>
/// (list&lt;float32&gt;, NaN where not scored): the sinks' one mapping (<see cref="OutputBatch"/>). Visible only
/// after <see cref="Commit"/>: temp name, fsync, rename.
/// </summary>
internal sealed class ArrowRecordWriter : IOutputRecordWriter
{
    /// <summary>Records per record batch (Parquet: row group): bounds the memory held before a batch is written.</summary>
    private const int RecordsPerBatch = 1024;

    private readonly AtomicFile _file;
    private readonly BatchWriter _writer;
    private readonly OutputBatch _batch;

    public ArrowRecordWriter(string path, OutputMetadata metadata, ArrowCompression compression = ArrowCompression.None, bool parquet = false)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var schema = OutputSchema.Create(metadata, withLosses: metadata.EmitLosses);
        _file = new AtomicFile(path);
        _writer = parquet
            ? new ParquetBatchWriter(_file.Stream, schema, leaveOpen: true)
            : new ArrowIpcBatchWriter(_file.Stream, schema, ArrowIpcFormat.Stream, compression, leaveOpen: true);
        _batch = new OutputBatch(schema);
    }

    public string Path => _file.FinalPath;

    public void Write(OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _batch.Append(record);
        if (_batch.Count >= RecordsPerBatch)
        {
            WriteBatch();
        }
    }

    public void Commit()
    {
        if (_batch.Count > 0 || _writer.BatchCount == 0)
        {
            WriteBatch();
        }

        _writer.Finish();
        _file.Commit();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _file.Dispose();
    }

    private void WriteBatch()
    {
        _writer.WriteBatch(_batch.Builder);
        _batch.Clear();
    }
}
