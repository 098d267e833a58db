namespace TokenClean.Sink.Arrow;

/// <summary>
/// The Arrow IPC streaming format: schema message, record batch messages, end-of-stream marker. This is what
/// Hugging Face <c>datasets.Dataset.from_file</c> memory-maps and what <c>pyarrow.ipc.open_stream</c> reads.
/// </summary>
public sealed class ArrowStreamWriter : ArrowIpcWriter
{
    public ArrowStreamWriter(Stream stream, ArrowSchema schema, bool leaveOpen = false)
        : base(stream, schema, leaveOpen)
    {
    }

    /// <summary>One self-contained stream (schema, one batch, end marker) as bytes: a Kafka message value.</summary>
    public static byte[] Serialize(RecordBatchBuilder batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var memory = new MemoryStream();
        using (var writer = new ArrowStreamWriter(memory, batch.Schema, leaveOpen: true))
        {
            writer.WriteBatch(batch);
            writer.Finish();
        }

        return memory.ToArray();
    }
}
