using System.Runtime.InteropServices;

namespace TokenClean.Training.Checkpoints;

/// <summary>
/// Making a directory's contents survive a crash before it becomes visible: fsync of files, of directories (so new
/// names and renames are on disk) and text written through a temporary name.
/// </summary>
internal static partial class DurableFiles
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    /// <summary>Flushes a file's data to the device.</summary>
    public static void FsyncFile(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Flush(flushToDisk: true);
    }

    /// <summary>Flushes a directory's entries (created, renamed, deleted names). A no-op where the OS cannot (Windows).</summary>
    public static void FsyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = open(path, ReadOnly | (OperatingSystem.IsLinux() ? Directory : 0));
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{path}' to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{path}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file, fsync'd, renamed over it.</summary>
    public static void WriteTextAtomically(string path, string text)
    {
        var tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
        FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int close(int fd);
}
