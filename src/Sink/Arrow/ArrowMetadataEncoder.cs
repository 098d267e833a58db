namespace TokenClean.Sink.Arrow;

/// <summary>
/// Encodes Arrow's IPC metadata flatbuffers (format/Schema.fbs, Message.fbs, File.fbs). Field ids below are the
/// declaration order in those files; a union occupies two ids (its type tag, then its value).
/// </summary>
internal static class ArrowMetadataEncoder
{
    /// <summary>MetadataVersion.V5 (Arrow ≥ 1.0).</summary>
    private const short MetadataVersionV5 = 4;

    // MessageHeader union tags.
    private const byte HeaderSchema = 1;
    private const byte HeaderRecordBatch = 3;

    // Type union tags.
    private const byte TypeInt = 2;
    private const byte TypeFloatingPoint = 3;
    private const byte TypeUtf8 = 5;
    private const byte TypeTimestamp = 10;
    private const byte TypeList = 12;

    private const short PrecisionSingle = 1;
    private const short TimeUnitMillisecond = 1;

    /// <summary>Message { version, header: Schema }.</summary>
    public static void EncodeSchemaMessage(FlatBufferBuilder fb, ArrowSchema schema)
    {
        fb.Reset();
        var schemaTable = WriteSchema(fb, schema);
        fb.Finish(WriteMessage(fb, HeaderSchema, schemaTable, bodyLength: 0));
    }

    /// <summary>Message { version, header: RecordBatch { length, nodes, buffers }, bodyLength }.</summary>
    public static void EncodeRecordBatchMessage(FlatBufferBuilder fb, long rows, IpcBody body)
    {
        fb.Reset();
        var nodes = fb.CreateStructVector(body.NodeWords, 2);
        var buffers = fb.CreateStructVector(body.BufferWords, 2);
        fb.StartTable(3);
        fb.AddInt64(0, rows);
        fb.AddOffset(1, nodes);
        fb.AddOffset(2, buffers);
        var batch = fb.EndTable();
        fb.Finish(WriteMessage(fb, HeaderRecordBatch, batch, body.Length));
    }

    /// <summary>Footer { version, schema, dictionaries: [], recordBatches: [Block] }; blocks are (offset, metaDataLength, bodyLength) triples.</summary>
    public static void EncodeFooter(FlatBufferBuilder fb, ArrowSchema schema, ReadOnlySpan<long> blockWords)
    {
        fb.Reset();
        var schemaTable = WriteSchema(fb, schema);
        var dictionaries = fb.CreateStructVector([], 3);
        var batches = fb.CreateStructVector(blockWords, 3);
        fb.StartTable(4);
        fb.AddInt16(0, MetadataVersionV5);
        fb.AddOffset(1, schemaTable);
        fb.AddOffset(2, dictionaries);
        fb.AddOffset(3, batches);
        fb.Finish(fb.EndTable());
    }

    private static int WriteMessage(FlatBufferBuilder fb, byte headerType, int header, long bodyLength)
    {
        fb.StartTable(5);
        fb.AddInt64(3, bodyLength);
        fb.AddOffset(2, header);
        fb.AddInt16(0, MetadataVersionV5);
        fb.AddByte(1, headerType);
        return fb.EndTable();
    }

    private static int WriteSchema(FlatBufferBuilder fb, ArrowSchema schema)
    {
        var fieldOffsets = new int[schema.Fields.Count];
        for (var i = 0; i < fieldOffsets.Length; i++)
        {
            fieldOffsets[i] = WriteField(fb, schema.Fields[i]);
        }

        var fields = fb.CreateOffsetVector(fieldOffsets);
        var metadata = WriteKeyValues(fb, schema.Metadata);
        fb.StartTable(4);
        // endianness (id 0) is Little, the default: omitted.
        fb.AddOffset(1, fields);
        fb.AddOffset(2, metadata);
        return fb.EndTable();
    }

    private static int WriteField(FlatBufferBuilder fb, ArrowField field)
    {
        var name = fb.CreateString(field.Name);
        var children = field.Type.Item is { } item ? fb.CreateOffsetVector([WriteField(fb, item)]) : fb.CreateOffsetVector([]);
        var (typeTag, typeTable) = WriteType(fb, field.Type);
        fb.StartTable(7);
        fb.AddOffset(0, name);
        fb.AddBool(1, field.Nullable);
        fb.AddByte(2, typeTag);
        fb.AddOffset(3, typeTable);
        // dictionary (id 4): not dictionary-encoded.
        fb.AddOffset(5, children);
        return fb.EndTable();
    }

    /// <summary>The Type union value for <paramref name="type"/>: the one switch a new type extends.</summary>
    private static (byte Tag, int Table) WriteType(FlatBufferBuilder fb, ArrowType type)
    {
        switch (type.Kind)
        {
            case ArrowTypeKind.Int32:
            case ArrowTypeKind.Int64:
                fb.StartTable(2);
                fb.AddInt32(0, type.ByteWidth * 8);
                fb.AddBool(1, true);
                return (TypeInt, fb.EndTable());
            case ArrowTypeKind.Float32:
                fb.StartTable(1);
                fb.AddInt16(0, PrecisionSingle);
                return (TypeFloatingPoint, fb.EndTable());
            case ArrowTypeKind.Utf8:
                fb.StartTable(0);
                return (TypeUtf8, fb.EndTable());
            case ArrowTypeKind.Timestamp:
                var tz = type.TimeZone is null ? 0 : fb.CreateString(type.TimeZone);
                fb.StartTable(2);
                fb.AddInt16(0, TimeUnitMillisecond);
                fb.AddOffset(1, tz);
                return (TypeTimestamp, fb.EndTable());
            case ArrowTypeKind.List:
                fb.StartTable(0);
                return (TypeList, fb.EndTable());
            default:
                throw new NotSupportedException($"Arrow type {type} is not supported");
        }
    }

    private static int WriteKeyValues(FlatBufferBuilder fb, IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        if (pairs.Count == 0)
        {
            return 0;
        }

        var entries = new int[pairs.Count];
        for (var i = 0; i < entries.Length; i++)
        {
            var key = fb.CreateString(pairs[i].Key);
            var value = fb.CreateString(pairs[i].Value);
            fb.StartTable(2);
            fb.AddOffset(0, key);
            fb.AddOffset(1, value);
            entries[i] = fb.EndTable();
        }

        return fb.CreateOffsetVector(entries);
    }
}
