using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace TokenClean.Sink.Lake;

/// <summary>
/// Reads a lake file back with the libraries' own readers: Apache.Arrow's IPC readers (stream or file format, any
/// body compression) and ParquetSharp's Arrow reader for <c>.parquet</c>. Used by <c>lake scan --rows</c> and tests.
/// </summary>
public static class LakeFileReader
{
    private static readonly Apache.Arrow.Compression.CompressionCodecFactory Codecs = new();

    /// <summary>The file's schema (with metadata) and record batches, in order. Dispose each batch.</summary>
    /// <exception cref="InvalidDataException">The file is not a complete Arrow IPC or Parquet file.</exception>
    public static (Schema Schema, List<RecordBatch> Batches) ReadAll(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return path.EndsWith(LakeFileName.ParquetExtension, StringComparison.Ordinal) ? ReadParquet(path) : ReadArrow(path);
        }
        catch (Exception e) when (e is not InvalidDataException and not FileNotFoundException and not DirectoryNotFoundException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"'{path}' is not a readable lake file: {e.Message}", e);
        }
    }

    /// <summary>Rows in the file (Parquet: from the footer; Arrow: summed over the batches read).</summary>
    public static long CountRows(string path)
    {
        if (path.EndsWith(LakeFileName.ParquetExtension, StringComparison.Ordinal))
        {
            try
            {
                using var reader = new ParquetSharp.ParquetFileReader(path);
                return reader.FileMetaData.NumRows;
            }
            catch (ParquetSharp.ParquetException e)
            {
                throw new InvalidDataException($"'{path}' is not a readable Parquet file: {e.Message}", e);
            }
        }

        var (_, batches) = ReadAll(path);
        long rows = 0;
        foreach (var b in batches)
        {
            rows += b.Length;
            b.Dispose();
        }

        return rows;
    }

    private static (Schema, List<RecordBatch>) ReadArrow(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var batches = new List<RecordBatch>();
        if (bytes.AsSpan().StartsWith("ARROW1"u8))
        {
            using var file = new ArrowFileReader(new MemoryStream(bytes), Apache.Arrow.Memory.MemoryAllocator.Default.Value, Codecs, leaveOpen: false);
            var count = file.RecordBatchCountAsync().AsTask().GetAwaiter().GetResult();
            for (var i = 0; i < count; i++)
            {
                batches.Add(file.ReadRecordBatchAsync(i, CancellationToken.None).AsTask().GetAwaiter().GetResult());
            }

            return (file.Schema, batches);
        }

        using var stream = new ArrowStreamReader(bytes, Codecs);
        while (stream.ReadNextRecordBatch() is { } batch)
        {
            batches.Add(batch);
        }

        if (stream.Schema is null)
        {
            throw new InvalidDataException($"'{path}' has no Arrow schema message");
        }

        return (stream.Schema, batches);
    }

    private static (Schema, List<RecordBatch>) ReadParquet(string path)
    {
        using var file = new ParquetSharp.Arrow.FileReader(path);
        using var reader = file.GetRecordBatchReader();
        var batches = new List<RecordBatch>();
        while (reader.ReadNextRecordBatchAsync().AsTask().GetAwaiter().GetResult() is { } batch)
        {
            batches.Add(batch);
        }

        return (file.Schema, batches);
    }
}
