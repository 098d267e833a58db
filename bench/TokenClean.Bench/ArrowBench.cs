using TokenClean.Core.Samples;
using System.Diagnostics;
using System.Globalization;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;
using TokenClean.Sink.Parquet;

namespace TokenClean.Bench;

/// <summary>
/// Output writing speed for realistic output records (512–4096 tokens each) into a file on this machine, fsync
/// included, and the managed bytes allocated per record once the buffers have grown: Apache.Arrow's IPC writers
/// (stream, file, optionally compressed) and ParquetSharp's Parquet writer, all fed by the sinks' one record mapping.
/// Usage: arrow [seconds=3] [directory=temp] [recordsPerBatch=256] [format=stream|file|parquet|stream+zstd|stream+lz4].
/// </summary>
internal static class ArrowBench
{
    public static int Run(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var directory = args.Length > 1 ? args[1] : Path.GetTempPath();
        var perBatch = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 256;
        var format = args.Length > 3 ? args[3] : "stream";
        var records = MakeRecords(64);
        var path = Path.Combine(directory, $"tokenclean-bench-{Environment.ProcessId}.arrow");
        var metadata = new OutputMetadata("bench", "sha256:0", "global-topk", 0.6, "bench");
        var schema = OutputSchema.Create(metadata);
        var batch = new OutputBatch(schema);
        try
        {
            // Warm-up: grow every buffer to its batch size and JIT the path.
            Write(path, format, schema, batch, records, perBatch, TimeSpan.FromSeconds(0.5), out _, out _, out _, out _, out _, out _);
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            Write(path, format, schema, batch, records, perBatch, TimeSpan.FromSeconds(seconds), out var count, out var columnBytes, out var fileBytes, out var fsync, out var batches, out var inWriter);
            var elapsed = sw.Elapsed.TotalSeconds;
            var writeOnly = elapsed - fsync.TotalSeconds;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            Console.WriteLine(FormattableString.Invariant(
                $"{format} write (Apache.Arrow {typeof(Apache.Arrow.RecordBatch).Assembly.GetName().Version}): {count} records ({perBatch}/batch, 512-4096 tokens), {columnBytes / 1e9:F2} GB column data, {fileBytes / 1e9:F2} GB file, {elapsed:F2} s incl. fsync"));
            Console.WriteLine(FormattableString.Invariant(
                $"  column bytes/s: {columnBytes / elapsed / 1e9:F2} GB/s incl. fsync ({fsync.TotalSeconds:F2} s), {columnBytes / writeOnly / 1e9:F2} GB/s to the page cache   records/s: {count / elapsed:F0}"));
            Console.WriteLine(FormattableString.Invariant(
                $"  time in WriteBatch (encoding + stream writes): {inWriter.TotalSeconds:F2} s of {elapsed:F2} s; the rest copies records into the column buffers"));
            Console.WriteLine(FormattableString.Invariant(
                $"  allocated: {allocated} bytes in total, {(double)allocated / batches:F0} bytes/batch, {(double)allocated / count:F1} bytes/record   to {directory}, {Environment.ProcessorCount} cores"));
        }
        finally
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }

        return 0;
    }

    private static void Write(string path, string format, Apache.Arrow.Schema schema, OutputBatch batch, OutputRecord[] records, int perBatch, TimeSpan duration, out long count, out long columnBytes, out long fileBytes, out TimeSpan fsync, out long batches, out TimeSpan inWriter)
    {
        count = 0;
        batches = 0;
        inWriter = TimeSpan.Zero;
        columnBytes = 0;
        var sw = Stopwatch.StartNew();
        // "null" as the directory measures the writer alone (no kernel copy, no disk).
        using Stream stream = path.Contains("/null/", StringComparison.Ordinal) ? Stream.Null : new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        var parts = format.Split('+');
        var compression = parts.Length > 1 && ArrowCompressionNames.TryParse(parts[1], out var c) ? c : ArrowCompression.None;
        using BatchWriter writer = parts[0] switch
        {
            "parquet" => new ParquetBatchWriter(stream, schema, leaveOpen: true),
            "file" => new ArrowIpcBatchWriter(stream, schema, ArrowIpcFormat.File, compression, leaveOpen: true),
            _ => new ArrowIpcBatchWriter(stream, schema, ArrowIpcFormat.Stream, compression, leaveOpen: true),
        };
        while (sw.Elapsed < duration)
        {
            columnBytes += Fill(batch, records, perBatch, ref count);

            var beforeWrite = sw.Elapsed;
            writer.WriteBatch(batch.Builder);
            inWriter += sw.Elapsed - beforeWrite;
            batch.Clear();
            batches++;
        }

        writer.Finish();
        var beforeSync = sw.Elapsed;
        (stream as FileStream)?.Flush(flushToDisk: true);
        fsync = sw.Elapsed - beforeSync;
        fileBytes = writer.BytesWritten;
    }

    /// <summary>
    /// One batch of records into the column buffers. A method of its own, called once per batch, so that the JIT
    /// tiers it up like the sinks' code (inside the one long-running timing loop it would stay on on-stack-replacement
    /// code, which measured about 1.5x slower than fully optimized code here).
    /// </summary>
    private static long Fill(OutputBatch batch, OutputRecord[] records, int perBatch, ref long count)
    {
        long columnBytes = 0;
        for (var i = 0; i < perBatch; i++)
        {
            var r = records[(int)(count % records.Length)];
            batch.Append(r);
            // What the columns hold for this row: three token arrays, five fixed-width values, four strings.
            columnBytes += (12L * r.InputIds.Length) + 4 + 4 + 8 + 4 + 4 + 4 + 8 + r.SampleId.Length + (r.SourceTopic?.Length ?? 0) + r.RefModelVersion.Length + r.BaseModel.Length;
            count++;
        }

        return columnBytes;
    }

    private static OutputRecord[] MakeRecords(int n)
    {
        var rng = new Random(7);
        var records = new OutputRecord[n];
        for (var k = 0; k < n; k++)
        {
            var tokens = rng.Next(512, 4097);
            var ids = new int[tokens];
            var labels = new int[tokens];
            var influence = new float[tokens];
            var prompt = tokens / 3;
            for (var i = 0; i < tokens; i++)
            {
                ids[i] = rng.Next(151_000);
                influence[i] = i < prompt ? float.NaN : (float)(rng.NextDouble() - 0.5);
                labels[i] = i >= prompt && influence[i] > -0.1f ? ids[i] : TokenizedSample.IgnoreLabel;
            }

            records[k] = new OutputRecord
            {
                SampleId = "sample-" + k.ToString("D8", CultureInfo.InvariantCulture),
                SourceTopic = "sft-samples",
                SourcePartition = k % 12,
                SourceOffset = 1_000_000 + k,
                InputIds = ids,
                Labels = labels,
                Influence = influence,
                ResponseTokens = tokens - prompt,
                KeptTokens = (tokens - prompt) * 6 / 10,
                RefModelVersion = "ref-2026-11-21T10:00:00Z",
                BaseModel = "Qwen/Qwen3-0.6B",
                Threshold = -0.1f,
                ScoredAt = DateTimeOffset.UnixEpoch.AddDays(20_000),
            };
        }

        return records;
    }
}
