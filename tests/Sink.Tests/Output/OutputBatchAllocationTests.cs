using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;

namespace TokenClean.Sink.Tests.Output;

public sealed class OutputBatchAllocationTests
{
    /// <summary>Apache.Arrow builds a few objects per record batch (arrays, buffers, flatbuffer metadata); never per row or token.</summary>
    private const long BoundPerBatch = 16 * 1024;

    [Theory]
    [InlineData("stream")]
    [InlineData("file")]
    public void AppendAndWriteBatch_AfterWarmUp_AllocateAFixedBoundPerBatchAndNothingPerToken(string format)
    {
        const int Batches = 100;
        // The least of three legs each: a one-off allocation on this thread (the JIT's tier-up of a method the leg
        // runs) once put 5.6 kB into a single leg on CI; what is allocated per batch or per token repeats in every leg.
        var small = Enumerable.Range(0, 3).Min(_ => Allocated(format, Batches, tokens: 64));
        var large = Enumerable.Range(0, 3).Min(_ => Allocated(format, Batches, tokens: 4096)); // 64x the tokens: ~13 million per leg

        Assert.True(small < Batches * BoundPerBatch, $"{small} bytes for {Batches} batches of 64-token records (bound {BoundPerBatch} per batch)");
        Assert.True(large < Batches * BoundPerBatch, $"{large} bytes for {Batches} batches of 4096-token records (bound {BoundPerBatch} per batch)");
        // Per token: 63x more tokens (26 million bytes of token data more) may not cost even 2 kB more over 100 batches.
        Assert.True(Math.Abs(large - small) < 2048, $"64-token records: {small} bytes, 4096-token records: {large} bytes over {Batches} batches");
    }

    private static long Allocated(string format, int batches, int tokens)
    {
        var schema = OutputSchema.Create(OutputRecords.Metadata);
        var batch = new OutputBatch(schema);
        var records = new OutputRecord[16];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = OutputRecords.Kafka("samples", i % 3, i, tokens: tokens + (i * 3));
        }

        using var writer = new ArrowIpcBatchWriter(Stream.Null, schema, format == "file" ? ArrowIpcFormat.File : ArrowIpcFormat.Stream);
        void WriteBatches(int count)
        {
            for (var b = 0; b < count; b++)
            {
                foreach (var r in records)
                {
                    batch.Append(r);
                }

                writer.WriteBatch(batch.Builder);
                batch.Clear();
            }
        }

        WriteBatches(3); // grows every buffer to its batch size
        var before = GC.GetAllocatedBytesForCurrentThread();
        WriteBatches(batches);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
