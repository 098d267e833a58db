using TokenClean.Sink.Arrow;
using TokenClean.Sink.Output;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Lake;

/// <summary>The file a source is currently writing, under its temporary name.</summary>
internal sealed class OpenLakeFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly BatchWriter _writer;

    public OpenLakeFile(SourcePartition source, long firstOffset, string directory, string tempPath, FileStream stream, BatchWriter writer, OutputBatch batch, DateTimeOffset openedAt)
    {
        Source = source;
        FirstOffset = firstOffset;
        LastOffset = firstOffset - 1;
        Directory = directory;
        TempPath = tempPath;
        _stream = stream;
        _writer = writer;
        Batch = batch;
        OpenedAt = openedAt;
    }

    public SourcePartition Source { get; }

    public long FirstOffset { get; }

    public long LastOffset { get; set; }

    public string Directory { get; }

    public string TempPath { get; }

    public OutputBatch Batch { get; }

    public DateTimeOffset OpenedAt { get; }

    public int Records { get; set; }

    /// <summary>Bytes in the file plus the bytes buffered for the next batch.</summary>
    public long ApproximateBytes => _writer.BytesWritten + Batch.TokenBytes;

    public void WriteBatch()
    {
        _writer.WriteBatch(Batch.Builder);
        Batch.Clear();
    }

    /// <summary>Writes what is buffered and the end marker, then fsyncs the file and closes it.</summary>
    public long Complete()
    {
        if (Batch.Count > 0 || _writer.BatchCount == 0)
        {
            WriteBatch();
        }

        _writer.Finish();
        _stream.Flush(flushToDisk: true);
        var length = _stream.Length;
        _writer.Dispose();
        return length;
    }

    public void Dispose() => _writer.Dispose();
}
