using Apache.Arrow;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// Writes the record batches of a <see cref="RecordBatchBuilder"/> to a stream in one columnar format: Arrow IPC
/// (<see cref="ArrowIpcBatchWriter"/>) or Parquet (<see cref="Parquet.ParquetBatchWriter"/>). The one seam every sink
/// writes through.
/// </summary>
/// <remarks>
/// Not thread-safe. Disposing without <see cref="Finish"/> leaves an incomplete file (what a crash would leave).
/// Exceptions from the stream propagate unchanged; after one the writer refuses further writes, because the stream
/// holds a torn message. A batch whose columns have different lengths is refused before anything is written.
/// </remarks>
public abstract class BatchWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private bool _finished;
    private bool _broken;
    private bool _disposed;

    private protected BatchWriter(Stream stream, Schema schema, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Schema = schema ?? throw new ArgumentNullException(nameof(schema));
        _stream = stream;
        _leaveOpen = leaveOpen;
        Output = new CountingStream(stream);
    }

    public Schema Schema { get; }

    /// <summary>Bytes handed to the stream so far.</summary>
    public long BytesWritten => Output.Count;

    public int BatchCount { get; private set; }

    /// <summary>The stream the format writer writes to (counts the bytes).</summary>
    private protected CountingStream Output { get; }

    /// <summary>Writes the builder's rows as one record batch (Parquet: one row group).</summary>
    public void WriteBatch(RecordBatchBuilder batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfUnusable();
        using var records = batch.Build();
        try
        {
            WriteCore(records);
        }
        catch
        {
            _broken = true;
            throw;
        }

        BatchCount++;
    }

    /// <summary>Completes the file (end marker, footer) and flushes the stream. Without a batch, writes a valid empty file.</summary>
    public void Finish()
    {
        ThrowIfUnusable();
        _finished = true;
        try
        {
            FinishCore();
            Output.Flush();
        }
        catch
        {
            _broken = true;
            throw;
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            DisposeCore();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    private protected abstract void WriteCore(RecordBatch batch);

    private protected abstract void FinishCore();

    /// <summary>Releases the format writer (never disposes the stream: the base does that).</summary>
    private protected abstract void DisposeCore();

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_finished)
        {
            throw new InvalidOperationException("the writer is finished");
        }

        if (_broken)
        {
            throw new InvalidOperationException("an earlier write to the stream failed; the output is torn");
        }
    }
}
