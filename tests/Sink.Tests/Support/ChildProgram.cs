using TokenClean.Sink.Tests.Lake;

namespace TokenClean.Sink.Tests.Support;

/// <summary>
/// The test assembly's entry point, used only when a test starts this assembly as a child process
/// (<c>dotnet TokenClean.Sink.Tests.dll lake-writer ROOT SEED [arrow|parquet]</c>) to kill it with SIGKILL mid-write.
/// </summary>
public static class ChildProgram
{
    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length is 3 or 4 && args[0] == "lake-writer")
        {
            var format = args.Length == 4 && args[3] == "parquet" ? TokenClean.Sink.Lake.LakeFileFormat.Parquet : TokenClean.Sink.Lake.LakeFileFormat.Stream;
            return LakeWriterChild.Run(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), format);
        }

        Console.Error.WriteLine("this is a test assembly: run it with dotnet test");
        return 2;
    }

    /// <summary>Starts this assembly as a child process with <paramref name="args"/>.</summary>
    public static System.Diagnostics.Process Start(params string[] args) =>
        TokenClean.Tests.Shared.ChildProcess.StartDotnet(typeof(ChildProgram).Assembly.Location, args);
}
