using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace TokenClean.Sink.Arrow;

/// <summary>Which Arrow IPC format a writer produces.</summary>
public enum ArrowIpcFormat
{
    /// <summary>
    /// The streaming format: schema message, record batch messages, end-of-stream marker. What Hugging Face
    /// <c>datasets.Dataset.from_file</c> memory-maps and <c>pyarrow.ipc.open_stream</c> reads.
    /// </summary>
    Stream,

    /// <summary>
    /// The file format (Feather v2): magic, the stream, then a footer that indexes the batches for random access.
    /// Read by <c>pyarrow.ipc.open_file</c> / <c>pyarrow.feather</c> and Arrow JS's <c>RecordBatchFileReader</c>.
    /// </summary>
    File,
}

/// <summary>
/// Arrow IPC through Apache.Arrow's <see cref="ArrowStreamWriter"/> / <see cref="ArrowFileWriter"/>, with optional
/// body compression (<see cref="ArrowCompression"/>). The schema is written before the first batch, or by
/// <see cref="BatchWriter.Finish"/> when there is none.
/// </summary>
public sealed class ArrowIpcBatchWriter : BatchWriter
{
    private static readonly Apache.Arrow.Compression.CompressionCodecFactory Codecs = new();
    private readonly ArrowStreamWriter _writer;
    private bool _started;

    public ArrowIpcBatchWriter(Stream stream, Schema schema, ArrowIpcFormat format = ArrowIpcFormat.Stream, ArrowCompression compression = ArrowCompression.None, bool leaveOpen = false)
        : base(stream, schema, leaveOpen)
    {
        var options = Options(compression);
        Format = format;
        Compression = compression;
        _writer = format == ArrowIpcFormat.File
            ? new ArrowFileWriter(Output, schema, leaveOpen: true, options)
            : new ArrowStreamWriter(Output, schema, leaveOpen: true, options);
    }

    public ArrowIpcFormat Format { get; }

    public ArrowCompression Compression { get; }

    /// <summary>One self-contained IPC stream (schema, one batch, end marker) as bytes: a Kafka message value.</summary>
    public static byte[] SerializeStream(RecordBatchBuilder batch, ArrowCompression compression = ArrowCompression.None)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var memory = new MemoryStream();
        using (var writer = new ArrowIpcBatchWriter(memory, batch.Schema, ArrowIpcFormat.Stream, compression, leaveOpen: true))
        {
            writer.WriteBatch(batch);
            writer.Finish();
        }

        return memory.ToArray();
    }

    private protected override void WriteCore(RecordBatch batch)
    {
        _writer.WriteRecordBatch(batch);
        _started = true;
    }

    private protected override void FinishCore()
    {
        if (!_started)
        {
            _writer.WriteStart();
            _started = true;
        }

        _writer.WriteEnd();
    }

    private protected override void DisposeCore() => _writer.Dispose();

    private static IpcOptions Options(ArrowCompression compression) => compression switch
    {
        ArrowCompression.None => new IpcOptions(),
        ArrowCompression.Zstd => new IpcOptions { CompressionCodec = CompressionCodecType.Zstd, CompressionCodecFactory = Codecs },
        ArrowCompression.Lz4 => new IpcOptions { CompressionCodec = CompressionCodecType.Lz4Frame, CompressionCodecFactory = Codecs },
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown compression"),
    };
}
