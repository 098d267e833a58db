namespace TokenClean.Core.Files;

/// <summary>
/// A file written under a temporary name that appears under its final name only when committed: flush, fsync the
/// file, rename, fsync the directory (so the rename survives a power loss too). The one way every output of this
/// code base is published: clean's records, manifest and dead letters, the lake's files, written checkpoints.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly FileStream _stream;
    private bool _done;

    /// <summary>Creates (or truncates) the temporary file <paramref name="path"/><c>.tmp</c>.</summary>
    public AtomicFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FinalPath = path;
        TempPath = path + ".tmp";
        _stream = new FileStream(TempPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
    }

    /// <summary>The name the file gets at <see cref="Commit"/>.</summary>
    public string FinalPath { get; }

    /// <summary>The name it has until then.</summary>
    public string TempPath { get; }

    /// <summary>Where to write the contents.</summary>
    public Stream Stream => _stream;

    /// <summary>Makes the contents durable and publishes them under <see cref="FinalPath"/> (replacing a file there).</summary>
    /// <exception cref="ObjectDisposedException">Already committed or disposed.</exception>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        Publish(TempPath, FinalPath, overwrite: true);
        _done = true;
    }

    /// <summary>Removes the temporary file unless it was committed.</summary>
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

    /// <summary>Writes <paramref name="path"/> atomically: <paramref name="write"/> fills the temporary file.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = new AtomicFile(path);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>Flushes a file that another writer wrote and closed (TorchSharp, a safetensors writer) to the device.</summary>
    public static void FlushToDisk(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// Renames a temporary file, already fsync'd by its writer, to its final name and fsyncs the directory.
    /// </summary>
    /// <param name="tempPath">The written, fsync'd file.</param>
    /// <param name="finalPath">Its final name, in the same directory.</param>
    /// <param name="overwrite">False to refuse replacing an existing file (then <see cref="IOException"/>).</param>
    public static void Publish(string tempPath, string finalPath, bool overwrite)
    {
        File.Move(tempPath, finalPath, overwrite);
        DirectorySync.Fsync(Path.GetDirectoryName(Path.GetFullPath(finalPath))!);
    }
}
