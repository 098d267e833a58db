using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;

namespace TokenClean.Sink.Tests.Output;

public sealed class OutputBatchAllocationTests
{
    [Fact]
    public void AppendAndWriteBatch_AfterWarmUp_AllocateNothingPerRecord()
    {
        var schema = OutputSchema.Create(OutputRecords.Metadata);
        var batch = new OutputBatch(schema);
        var records = new OutputRecord[16];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = OutputRecords.Kafka("samples", i % 3, i, tokens: 512 + (i * 100));
        }

        using var writer = new ArrowStreamWriter(Stream.Null, schema);
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
        WriteBatches(100);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 1,600 records and ~2 million tokens: anything per record or per token would show up as tens of kB.
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for 1,600 records");
    }
}
