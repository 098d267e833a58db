using OutputRecord = TokenClean.Sink.Output.OutputRecord;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;
using SinkMetadata = TokenClean.Sink.Output.OutputMetadata;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// Writes the batch command's records as one Arrow IPC stream file (what <c>datasets.Dataset.from_file</c>
/// memory-maps), with the output schema of docs/ARCHITECTURE.md and, with <c>--emit-losses</c>, two more columns
/// <c>base_loss</c> and <c>ref_loss</c> (list&lt;float32&gt;, NaN where not scored). Visible only after
/// <see cref="Commit"/>: temp name, fsync, rename.
/// </summary>
internal sealed class ArrowRecordWriter : IOutputRecordWriter
{
    /// <summary>Records per Arrow record batch: bounds the memory held before a batch is written.</summary>
    private const int RecordsPerBatch = 1024;

    private readonly AtomicFile _file;
    private readonly ArrowStreamWriter _writer;
    private readonly OutputBatch _batch;
    private readonly ListColumn<float>? _baseLoss;
    private readonly ListColumn<float>? _refLoss;

    public ArrowRecordWriter(string path, OutputMetadata metadata, SinkMetadata schemaMetadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(schemaMetadata);
        var schema = OutputSchema.Create(schemaMetadata);
        if (metadata.EmitLosses)
        {
            schema = new ArrowSchema(
                [.. schema.Fields,
                 new ArrowField("base_loss", ArrowType.ListOf(ArrowType.Float32), Nullable: false),
                 new ArrowField("ref_loss", ArrowType.ListOf(ArrowType.Float32), Nullable: false)],
                schema.Metadata);
        }

        _file = new AtomicFile(path);
        _writer = new ArrowStreamWriter(_file.Stream, schema, leaveOpen: true);
        _batch = new OutputBatch(schema);
        if (metadata.EmitLosses)
        {
            _baseLoss = _batch.Builder.Column<ListColumn<float>>(schema.Fields.Count - 2);
            _refLoss = _batch.Builder.Column<ListColumn<float>>(schema.Fields.Count - 1);
        }
    }

    public string Path => _file.FinalPath;

    public void Write(OutputRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _batch.Append(record);
        if (_baseLoss is not null && _refLoss is not null)
        {
            _baseLoss.Append((record.BaseLoss ?? throw new InvalidOperationException("--emit-losses needs base losses")).Span);
            _refLoss.Append((record.RefLoss ?? throw new InvalidOperationException("--emit-losses needs reference losses")).Span);
        }

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
