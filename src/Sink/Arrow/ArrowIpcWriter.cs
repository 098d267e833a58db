using System.Buffers.Binary;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// Writes record batches as Arrow IPC encapsulated messages (0xFFFFFFFF continuation, int32 metadata length,
/// flatbuffer metadata padded to 8 bytes, then the body with every buffer padded to 8 bytes). The schema message
/// is written lazily, before the first batch (or by <see cref="Finish"/> if there is none).
/// </summary>
/// <remarks>
/// Not thread-safe. Body buffers are written straight from the column builders' memory: writing a batch copies
/// no values and, once its internal lists have grown, allocates nothing. Disposing without <see cref="Finish"/>
/// leaves a stream without its end marker (a reader sees a truncated stream), which is what a crash would leave.
/// Exceptions from the underlying stream propagate unchanged; after one (or a cancellation part-way), the writer
/// refuses further writes, because the stream holds a torn message.
/// </remarks>
public abstract class ArrowIpcWriter : IDisposable, IAsyncDisposable
{
    private static readonly byte[] Zeros = new byte[IpcBody.Alignment];

    /// <summary>End-of-stream: the continuation marker followed by a zero metadata length.</summary>
    private static readonly byte[] EndOfStream = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly FlatBufferBuilder _fb = new();
    private readonly IpcBody _body = new();
    private readonly List<ReadOnlyMemory<byte>> _pending = new(64);
    private byte[] _header = new byte[1024];
    private bool _started;
    private bool _finished;
    private bool _broken;
    private bool _disposed;

    private protected ArrowIpcWriter(Stream stream, ArrowSchema schema, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        if (!BitConverter.IsLittleEndian)
        {
            // Column buffers are written as the machine holds them and the schema declares little-endian.
            throw new PlatformNotSupportedException("the Arrow writer needs a little-endian machine");
        }

        _stream = stream;
        Schema = schema;
        _leaveOpen = leaveOpen;
    }

    public ArrowSchema Schema { get; }

    /// <summary>Bytes handed to the stream so far.</summary>
    public long BytesWritten { get; private set; }

    public int BatchCount { get; private set; }

    public void WriteBatch(RecordBatchBuilder batch)
    {
        PrepareBatch(batch);
        EmitPending();
    }

    public async ValueTask WriteBatchAsync(RecordBatchBuilder batch, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PrepareBatch(batch);
        await EmitPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the end-of-stream marker (and, for the file format, the footer) and flushes the stream.</summary>
    public void Finish()
    {
        PrepareFinish();
        EmitPending();
        _stream.Flush();
    }

    public async ValueTask FinishAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PrepareFinish();
        await EmitPendingAsync(cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }

        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!_disposed)
        {
            _disposed = true;
            if (disposing && !_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    /// <summary>Bytes before the first message (the file format's magic).</summary>
    private protected virtual ReadOnlyMemory<byte> Preamble => ReadOnlyMemory<byte>.Empty;

    /// <summary>Called for each record batch with its position: the file format's footer needs the blocks.</summary>
    private protected virtual void OnRecordBatch(long offset, int metadataLength, long bodyLength)
    {
    }

    /// <summary>Bytes after the end-of-stream marker (the file format's footer).</summary>
    private protected virtual ReadOnlyMemory<byte> BuildTrailer(FlatBufferBuilder fb) => ReadOnlyMemory<byte>.Empty;

    private void PrepareBatch(RecordBatchBuilder batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfUnusable();
        if (_finished)
        {
            throw new InvalidOperationException("the writer is finished");
        }

        if (!ReferenceEquals(batch.Schema, Schema))
        {
            throw new ArgumentException("the batch was built for another schema", nameof(batch));
        }

        // Collect (and validate) the body first: a bad batch must not leave the schema half-prepared.
        _body.Clear();
        batch.AddTo(_body);
        _pending.Clear();
        PrepareStart();
        ArrowMetadataEncoder.EncodeRecordBatchMessage(_fb, batch.Length, _body);
        var offset = BytesWritten + PendingLength();
        var metadataLength = FrameMessage(ref _header);
        _pending.Add(_header.AsMemory(0, metadataLength));
        OnRecordBatch(offset, metadataLength, _body.Length);
        for (var i = 0; i < _body.Buffers.Count; i++)
        {
            var buffer = _body.Buffers[i];
            if (buffer.Length == 0)
            {
                continue;
            }

            _pending.Add(buffer);
            var pad = (int)(IpcBody.PaddedLength(buffer.Length) - buffer.Length);
            if (pad != 0)
            {
                _pending.Add(Zeros.AsMemory(0, pad));
            }
        }

        BatchCount++;
    }

    private void PrepareFinish()
    {
        ThrowIfUnusable();
        if (_finished)
        {
            throw new InvalidOperationException("the writer is already finished");
        }

        _pending.Clear();
        PrepareStart();
        _pending.Add(EndOfStream);
        var trailer = BuildTrailer(_fb);
        if (!trailer.IsEmpty)
        {
            _pending.Add(trailer);
        }

        _finished = true;
    }

    private void PrepareStart()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        if (!Preamble.IsEmpty)
        {
            _pending.Add(Preamble);
        }

        ArrowMetadataEncoder.EncodeSchemaMessage(_fb, Schema);
        var schemaMessage = Array.Empty<byte>();
        var length = FrameMessage(ref schemaMessage);
        _pending.Add(schemaMessage.AsMemory(0, length));
    }

    /// <summary>Frames the message in the builder (continuation marker, length, flatbuffer, padding) into <paramref name="target"/>.</summary>
    private int FrameMessage(ref byte[] target)
    {
        var meta = _fb.Data;
        var total = checked((int)IpcBody.PaddedLength(8 + meta.Length));
        if (target.Length < total)
        {
            target = new byte[Math.Max(total, target.Length * 2)];
        }

        var span = target.AsSpan(0, total);
        BinaryPrimitives.WriteUInt32LittleEndian(span, 0xFFFFFFFF);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], total - 8);
        meta.CopyTo(span[8..]);
        span[(8 + meta.Length)..].Clear();
        return total;
    }

    private long PendingLength()
    {
        long n = 0;
        foreach (var p in _pending)
        {
            n += p.Length;
        }

        return n;
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_broken)
        {
            throw new InvalidOperationException("an earlier write to the stream failed or was cancelled part-way: the stream is incomplete");
        }
    }

    private void EmitPending()
    {
        _broken = true; // until every piece is written: a failure part-way leaves a torn message
        foreach (var p in _pending)
        {
            _stream.Write(p.Span);
            BytesWritten += p.Length;
        }

        _pending.Clear();
        _broken = false;
    }

    private async ValueTask EmitPendingAsync(CancellationToken cancellationToken)
    {
        _broken = true;
        foreach (var p in _pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _stream.WriteAsync(p, cancellationToken).ConfigureAwait(false);
            BytesWritten += p.Length;
        }

        _pending.Clear();
        _broken = false;
    }
}
