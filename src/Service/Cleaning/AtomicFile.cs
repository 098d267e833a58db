namespace TokenClean.Service.Cleaning;

/// <summary>
/// A file that is written under a temporary name and appears under its final name only when committed
/// (flush, fsync, rename), the way Kafka Connect's file sinks publish output.
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    private readonly FileStream _stream;
    private bool _done;

    public AtomicFile(string path)
    {
        FinalPath = path;
        TempPath = path + ".tmp";
        _stream = new FileStream(TempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
    }

    public string FinalPath { get; }

    public string TempPath { get; }

    public Stream Stream => _stream;

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(TempPath, FinalPath, overwrite: true);
        _done = true;
    }

    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        _stream.Dispose();
        File.Delete(TempPath);
    }
}
