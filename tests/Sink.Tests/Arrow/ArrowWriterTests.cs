using Apache.Arrow;
using Apache.Arrow.Types;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Shared;

namespace TokenClean.Sink.Tests.Arrow;

public sealed class ArrowWriterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Finish_StreamFormat_EndsWithTheExactEndOfStreamMarker()
    {
        var bytes = Write("stream");
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 }, bytes[^8..]);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, bytes[..4]);
        Assert.Equal(0, bytes.Length % 8);
    }

    [Fact]
    public void Finish_FileFormat_HasPaddedMagicFirstAndFooterLengthThenMagicLast()
    {
        var bytes = Write("file");
        Assert.Equal("ARROW1\0\0"u8.ToArray(), bytes[..8]);
        Assert.Equal("ARROW1"u8.ToArray(), bytes[^6..]);
        var footerLength = BitConverter.ToInt32(bytes, bytes.Length - 10);
        Assert.InRange(footerLength, 1, bytes.Length - 24);
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("file")]
    [InlineData("stream+zstd")]
    [InlineData("file+lz4")]
    public void WriteBatch_ApacheArrowReaderReadsBackEveryValueAndTheMetadata(string format)
    {
        var path = _dir.File("rt.arrow");
        File.WriteAllBytes(path, Write(format));
        var (schema, batches) = LakeFileReader.ReadAll(path);
        Assert.Equal("v1", schema.Metadata["k1"]);
        Assert.Equal(2, batches.Count);
        foreach (var b in batches)
        {
            Assert.Equal(5, b.Length);
            var ns = (StringArray)b.Column("ns");
            var i32 = (Int32Array)b.Column("i32");
            var li = (ListArray)b.Column("li");
            var nli = (ListArray)b.Column("nli");
            for (var r = 0; r < 5; r++)
            {
                Assert.Equal("s" + r, ((StringArray)b.Column("s")).GetString(r));
                Assert.Equal(r == 2 ? null : "n", ns.GetString(r));
                Assert.Equal(r == 3 ? null : r, i32.GetValue(r));
                Assert.Equal([r, r], ((Int32Array)li.GetSlicedValues(r)).Values.ToArray());
                Assert.True(nli.IsNull(r));
            }

            b.Dispose();
        }
    }

    [Fact]
    public void WriteBatch_Compressed_IsSmallerThanUncompressedForTokenLists()
    {
        var schema = ArrowWriterOracleTests.Schema([new("ids", new ListType(Int32Type.Default), false)]);
        var batch = new RecordBatchBuilder(schema);
        var ids = new int[50_000];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (i * 31) % 2048;
        }

        batch.Column<ListColumn<int>>(0).Append(ids);
        var plain = ArrowIpcBatchWriter.SerializeStream(batch);
        var zstd = ArrowIpcBatchWriter.SerializeStream(batch, ArrowCompression.Zstd);
        var lz4 = ArrowIpcBatchWriter.SerializeStream(batch, ArrowCompression.Lz4);
        Assert.True(zstd.Length * 2 < plain.Length, $"zstd {zstd.Length} vs plain {plain.Length}");
        Assert.True(lz4.Length * 2 < plain.Length, $"lz4 {lz4.Length} vs plain {plain.Length}");
    }

    [Fact]
    public void WriteBatch_ColumnsOfDifferentLengths_Throws()
    {
        var schema = ArrowWriterOracleTests.Schema([new("a", Int32Type.Default, false), new("b", Int32Type.Default, false)]);
        var batch = new RecordBatchBuilder(schema);
        batch.Column<PrimitiveColumn<int>>(0).Append(1);
        using var writer = new ArrowIpcBatchWriter(new MemoryStream(), schema);
        Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(batch));
    }

    [Fact]
    public void WriteBatch_InvalidBatchFirst_StillWritesTheSchemaBeforeTheNextValidBatch()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var bad = new RecordBatchBuilder(schema);
        bad.Column<Utf8Column>(0).Append("only one column filled");
        using var memory = new MemoryStream();
        using (var writer = new ArrowIpcBatchWriter(memory, schema, leaveOpen: true))
        {
            Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(bad));
            writer.WriteBatch(Fill(new RecordBatchBuilder(schema)));
            writer.Finish();
        }

        Assert.Equal(Write("stream", batches: 1), memory.ToArray());
    }

    [Fact]
    public void WriteBatch_AfterTheStreamFailedPartWay_RefusesToWriteMore()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var batch = Fill(new RecordBatchBuilder(schema));
        using var writer = new ArrowIpcBatchWriter(new FailingStream(failAfterWrites: 3), schema);
        Assert.Throws<IOException>(() => writer.WriteBatch(batch));
        Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(batch));
        Assert.Throws<InvalidOperationException>(writer.Finish);
    }

    [Fact]
    public void AppendNull_OnNonNullableColumn_Throws()
    {
        var column = new PrimitiveColumn<int>(new Field("a", Int32Type.Default, nullable: false));
        Assert.Throws<InvalidOperationException>(column.AppendNull);
    }

    [Fact]
    public void Column_WrongPhysicalTypeForArrowType_Throws()
    {
        Assert.Throws<ArgumentException>(() => new PrimitiveColumn<long>(new Field("a", Int32Type.Default, nullable: false)));
    }

    [Fact]
    public void WriteBatch_AfterFinish_Throws()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        using var writer = new ArrowIpcBatchWriter(new MemoryStream(), schema);
        writer.Finish();
        Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(new RecordBatchBuilder(schema)));
    }

    [Fact]
    public void BytesWritten_CountsEveryByteHandedToTheStream()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        using var memory = new MemoryStream();
        using var writer = new ArrowIpcBatchWriter(memory, schema, ArrowIpcFormat.File, leaveOpen: true);
        writer.WriteBatch(Fill(new RecordBatchBuilder(schema)));
        writer.Finish();
        Assert.Equal(memory.Length, writer.BytesWritten);
        Assert.Equal(1, writer.BatchCount);
    }

    internal static RecordBatchBuilder Fill(RecordBatchBuilder batch)
    {
        for (var r = 0; r < 5; r++)
        {
            batch.Column<Utf8Column>(0).Append("s" + r);
            batch.Column<Utf8Column>(1).Append(r == 2 ? null : "n");
            batch.Column<PrimitiveColumn<int>>(2).Append(r == 3 ? null : r);
            batch.Column<PrimitiveColumn<long>>(3).Append(r);
            batch.Column<PrimitiveColumn<float>>(4).Append(r);
            batch.Column<PrimitiveColumn<long>>(5).Append(r);
            batch.Column<ListColumn<int>>(6).Append([r, r]);
            batch.Column<ListColumn<float>>(7).Append([r]);
            batch.Column<ListColumn<int>>(8).AppendNull();
        }

        return batch;
    }

    private static byte[] Write(string format, int batches = 2)
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var batch = Fill(new RecordBatchBuilder(schema));
        using var memory = new MemoryStream();
        using (var writer = ArrowWriterOracleTests.CreateWriter(format, memory, schema))
        {
            for (var b = 0; b < batches; b++)
            {
                writer.WriteBatch(batch);
            }

            writer.Finish();
        }

        return memory.ToArray();
    }

    /// <summary>A stream whose n-th write fails the way a full disk does.</summary>
    private sealed class FailingStream(int failAfterWrites) : MemoryStream
    {
        private int _writes;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (++_writes > failAfterWrites)
            {
                throw new IOException("No space left on device");
            }

            base.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    }
}
