namespace TokenClean.Sink.Arrow;

/// <summary>
/// The flattened body of one record batch: field nodes and buffers in Arrow's pre-order, with each buffer's
/// offset in the message body (8-byte aligned). Columns add to it; the writer encodes and streams it.
/// Reused across batches so that writing a batch allocates nothing once the lists have grown.
/// </summary>
internal sealed class IpcBody
{
    public const int Alignment = 8;

    private readonly List<long> _nodeWords = new(32);
    private readonly List<long> _bufferWords = new(64);
    private readonly List<ReadOnlyMemory<byte>> _buffers = new(64);

    /// <summary>Total body length including padding.</summary>
    public long Length { get; private set; }

    public IReadOnlyList<ReadOnlyMemory<byte>> Buffers => _buffers;

    public void Clear()
    {
        _nodeWords.Clear();
        _bufferWords.Clear();
        _buffers.Clear();
        Length = 0;
    }

    public void AddNode(long length, long nullCount)
    {
        _nodeWords.Add(length);
        _nodeWords.Add(nullCount);
    }

    public void AddBuffer(ReadOnlyMemory<byte> data)
    {
        _bufferWords.Add(Length);
        _bufferWords.Add(data.Length);
        _buffers.Add(data);
        Length += PaddedLength(data.Length);
    }

    public static long PaddedLength(long length) => (length + (Alignment - 1)) & ~(long)(Alignment - 1);

    /// <summary>FieldNode structs as int64 words (length, null_count).</summary>
    public ReadOnlySpan<long> NodeWords => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_nodeWords);

    /// <summary>Buffer structs as int64 words (offset, length).</summary>
    public ReadOnlySpan<long> BufferWords => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_bufferWords);
}
