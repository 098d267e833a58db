using System.CommandLine;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Scoring;

namespace TokenClean.Service.Cli;

/// <summary><c>tokenclean info</c>: versions of the native engines this build runs on, and what the scorer can use here.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print the versions of tokenclean, TorchSharp/libtorch and librdkafka, the scoring devices and dtypes available, and the CPU features in use.");
        command.SetAction(_ =>
        {
            KafkaNative.EnsureLoaded();
            Console.WriteLine($"tokenclean  {typeof(InfoCommand).Assembly.GetName().Version}");
            Console.WriteLine($"TorchSharp  {Torch.TorchSharpVersion}");
            Console.WriteLine($"libtorch    {Torch.Version} ({Torch.NumThreads} intra-op threads)");
            foreach (var device in Torch.Devices())
            {
                Console.WriteLine($"device      {device}: {string.Join(", ", Torch.ComputeDTypes(device).Select(d => d.ShortName()))}");
            }

            var features = Torch.CpuFeatures();
            Console.WriteLine($"cpu         ATen kernels {Torch.CpuCapability()}; {(features.Count == 0 ? "no AVX2" : string.Join(' ', features))}");
            Console.WriteLine($"librdkafka  {Library.VersionString}");
            return 0;
        });
        return command;
    }
}
