using System.Runtime.InteropServices;

namespace TokenClean.Core.Files;

/// <summary>
/// fsync of a directory, which makes a rename or a new entry in it durable. .NET cannot do it:
/// <c>File.OpenHandle</c> refuses directories (UnauthorizedAccessException, checked on .NET 10), so this opens
/// the directory with open(O_RDONLY|O_DIRECTORY) and calls fsync through libc.
/// </summary>
public static partial class DirectorySync
{
    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000; // Linux, x86-64 and arm64
    private const int OCloexec = 0x80000;

    /// <summary>Makes the entries of <paramref name="directory"/> (a rename into it, a new file) durable.</summary>
    /// <exception cref="IOException">open or fsync failed.</exception>
    public static void Fsync(string directory)
    {
        var fd = open(directory, ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            Throw("open", directory);
        }

        try
        {
            if (fsync(fd) != 0)
            {
                Throw("fsync", directory);
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    private static void Throw(string call, string directory)
    {
        var errno = Marshal.GetLastPInvokeError();
        throw new IOException($"{call}({directory}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int close(int fd);
}
