using TokenClean.Sink.Arrow;

namespace TokenClean.Sink.Tests.Arrow;

public sealed class ArrowWriterTests
{
    [Fact]
    public void Finish_StreamFormat_EndsWithTheExactEndOfStreamMarker()
    {
        var bytes = Write("stream", sync: true);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 }, bytes[^8..]);
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, bytes[..4]);
        Assert.Equal(0, bytes.Length % 8);
    }

    [Fact]
    public void Finish_FileFormat_HasPaddedMagicFirstAndFooterLengthThenMagicLast()
    {
        var bytes = Write("file", sync: true);
        Assert.Equal("ARROW1\0\0"u8.ToArray(), bytes[..8]);
        Assert.Equal("ARROW1"u8.ToArray(), bytes[^6..]);
        var footerLength = BitConverter.ToInt32(bytes, bytes.Length - 10);
        Assert.InRange(footerLength, 1, bytes.Length - 24);
        // The stream part ends with the end-of-stream marker just before the footer.
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 }, bytes[(bytes.Length - 10 - footerLength - 8)..(bytes.Length - 10 - footerLength)]);
    }

    [Theory]
    [InlineData("stream")]
    [InlineData("file")]
    public void WriteBatchAsync_SameInput_ProducesTheSameBytesAsWriteBatch(string format)
    {
        Assert.Equal(Write(format, sync: true), Write(format, sync: false));
    }

    [Fact]
    public async Task WriteBatchAsync_CancelledToken_ThrowsOperationCanceled()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var batch = Fill(new RecordBatchBuilder(schema));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await using var writer = new ArrowStreamWriter(new MemoryStream(), schema);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.WriteBatchAsync(batch, cts.Token));
    }

    [Fact]
    public void WriteBatch_ColumnsOfDifferentLengths_Throws()
    {
        var schema = new ArrowSchema([new("a", ArrowType.Int32, false), new("b", ArrowType.Int32, false)]);
        var batch = new RecordBatchBuilder(schema);
        batch.Column<PrimitiveColumn<int>>(0).Append(1);
        using var writer = new ArrowStreamWriter(new MemoryStream(), schema);
        Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(batch));
    }

    [Fact]
    public async Task WriteBatchAsync_CancelledBeforeStart_LeavesTheWriterUsable()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var batch = Fill(new RecordBatchBuilder(schema));
        using var memory = new MemoryStream();
        await using (var writer = new ArrowStreamWriter(memory, schema, leaveOpen: true))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await writer.WriteBatchAsync(batch, new CancellationToken(canceled: true)));
            await writer.WriteBatchAsync(batch);
            await writer.FinishAsync();
        }

        Assert.Equal(Write("stream", sync: true, batches: 1), memory.ToArray());
    }

    [Fact]
    public void WriteBatch_InvalidBatchFirst_StillWritesTheSchemaBeforeTheNextValidBatch()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var bad = new RecordBatchBuilder(schema);
        bad.Column<Utf8Column>(0).Append("only one column filled");
        using var memory = new MemoryStream();
        using (var writer = new ArrowStreamWriter(memory, schema, leaveOpen: true))
        {
            Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(bad));
            writer.WriteBatch(Fill(new RecordBatchBuilder(schema)));
            writer.Finish();
        }

        Assert.Equal(Write("stream", sync: true, batches: 1), memory.ToArray());
    }

    [Fact]
    public void WriteBatch_AfterTheStreamFailedPartWay_RefusesToWriteMore()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var batch = Fill(new RecordBatchBuilder(schema));
        using var writer = new ArrowStreamWriter(new FailingStream(failAfterWrites: 3), schema);
        Assert.Throws<IOException>(() => writer.WriteBatch(batch));
        Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(batch));
        Assert.Throws<InvalidOperationException>(writer.Finish);
    }

    [Fact]
    public void AppendNull_OnNonNullableColumn_Throws()
    {
        var column = new PrimitiveColumn<int>(new ArrowField("a", ArrowType.Int32, Nullable: false));
        Assert.Throws<InvalidOperationException>(column.AppendNull);
    }

    [Fact]
    public void Column_WrongPhysicalTypeForArrowType_Throws()
    {
        Assert.Throws<ArgumentException>(() => new PrimitiveColumn<long>(new ArrowField("a", ArrowType.Int32, Nullable: false)));
    }

    [Fact]
    public void WriteBatch_AfterFinish_Throws()
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        using var writer = new ArrowStreamWriter(new MemoryStream(), schema);
        writer.Finish();
        Assert.Throws<InvalidOperationException>(() => writer.WriteBatch(new RecordBatchBuilder(schema)));
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

    private static byte[] Write(string format, bool sync, int batches = 2)
    {
        var schema = ArrowWriterOracleTests.MixedSchema();
        var batch = Fill(new RecordBatchBuilder(schema));
        using var memory = new MemoryStream();
        using (var writer = ArrowWriterOracleTests.CreateWriter(format, memory, schema))
        {
            for (var b = 0; b < batches; b++)
            {
                if (sync)
                {
                    writer.WriteBatch(batch);
                }
                else
                {
                    writer.WriteBatchAsync(batch).AsTask().GetAwaiter().GetResult();
                }
            }

            if (sync)
            {
                writer.Finish();
            }
            else
            {
                writer.FinishAsync().AsTask().GetAwaiter().GetResult();
            }
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
    }
}
