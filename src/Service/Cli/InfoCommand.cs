using System.CommandLine;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Scoring;

namespace TokenClean.Service.Cli;

/// <summary><c>tokenclean info</c>: versions of the native engines this build runs on.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print the versions of tokenclean, libtorch, librdkafka (and its file), Apache.Arrow and ParquetSharp in use.");
        command.SetAction(parse =>
        {
            try
            {
                KafkaNative.EnsureLoaded();
            }
            catch (DllNotFoundException e)
            {
                parse.InvocationConfiguration.Error.WriteLine("error: " + e.Message);
                return 1;
            }

            Console.WriteLine($"tokenclean  {typeof(InfoCommand).Assembly.GetName().Version}");
            Console.WriteLine($"libtorch    {Torch.Version}");
            Console.WriteLine($"librdkafka  {Library.VersionString} ({KafkaNative.LoadedPath})");
            Console.WriteLine($"Apache.Arrow {Sink.ColumnarLibraries.ArrowVersion}, ParquetSharp {Sink.ColumnarLibraries.ParquetSharpVersion}");
            return 0;
        });
        return command;
    }
}
