using System.Buffers.Binary;

namespace TokenClean.Sink.Arrow;

/// <summary>
/// The Arrow IPC file format (Feather v2): "ARROW1" magic, the streaming format, then a footer that indexes the
/// record batches for random access, its int32 length and the magic again. Read by
/// <c>pyarrow.ipc.open_file</c> / <c>pyarrow.feather</c> and Arrow JS's <c>RecordBatchFileReader</c>.
/// </summary>
public sealed class ArrowFileWriter : ArrowIpcWriter
{
    private static readonly byte[] Magic = "ARROW1"u8.ToArray();
    private readonly List<long> _blocks = [];

    public ArrowFileWriter(Stream stream, ArrowSchema schema, bool leaveOpen = false)
        : base(stream, schema, leaveOpen)
    {
    }

    /// <summary>The magic padded to 8 bytes so that the first message is aligned.</summary>
    private protected override ReadOnlyMemory<byte> Preamble { get; } = new byte[] { 0x41, 0x52, 0x52, 0x4F, 0x57, 0x31, 0, 0 };

    private protected override void OnRecordBatch(long offset, int metadataLength, long bodyLength)
    {
        _blocks.Add(offset);
        _blocks.Add(metadataLength); // int32 plus 4 bytes of struct padding, little-endian
        _blocks.Add(bodyLength);
    }

    private protected override ReadOnlyMemory<byte> BuildTrailer(FlatBufferBuilder fb)
    {
        ArrowMetadataEncoder.EncodeFooter(fb, Schema, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_blocks));
        var footer = fb.Data;
        var trailer = new byte[footer.Length + 4 + Magic.Length];
        footer.CopyTo(trailer);
        BinaryPrimitives.WriteInt32LittleEndian(trailer.AsSpan(footer.Length), footer.Length);
        Magic.CopyTo(trailer.AsSpan(footer.Length + 4));
        return trailer;
    }
}
