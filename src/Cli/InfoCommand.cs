using System.CommandLine;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Scoring;

namespace TokenClean.Cli;

/// <summary><c>tokenclean info</c>: versions of the native engines this build runs on, and what the scorer can use here.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print the versions of tokenclean, TorchSharp/libtorch, librdkafka (and its file), Apache.Arrow and ParquetSharp, the scoring devices and dtypes available, and the CPU features in use.");
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
            Console.WriteLine($"TorchSharp  {Torch.TorchSharpVersion}");
            Console.WriteLine($"libtorch    {Torch.Version} ({Torch.NumThreads} intra-op threads)");
            foreach (var device in Torch.Devices())
            {
                var dtypes = Torch.ComputeDTypes(device).Select(d => d.ShortName() + (Torch.SlowerThanFp32Reason(device, d) is null ? ""
                    : Scoring.Kernels.Bf16Products.Enabled ? " (no bf16 units here: products through fp32, slower than fp32)"
                    : " (no bf16 units here: libtorch's bf16 fallback, 5x slower than fp32)"));
                Console.WriteLine($"device      {device}: {string.Join(", ", dtypes)}");
            }

            var features = Torch.CpuFeatures();
            Console.WriteLine($"cpu         ATen kernels {Torch.CpuCapability()}; {(features.Count == 0 ? "no AVX2" : string.Join(' ', features))}");
            Console.WriteLine($"kernels     fp32 on the CPU: {Torch.CpuKernels()}");
            Console.WriteLine($"attention   scoring on the CPU: {Torch.CpuAttention()}");
            Console.WriteLine($"librdkafka  {Library.VersionString} ({KafkaNative.LoadedPath})");
            Console.WriteLine($"Apache.Arrow {Sink.ColumnarLibraries.ArrowVersion}, ParquetSharp {Sink.ColumnarLibraries.ParquetSharpVersion}");
            return 0;
        });
        return command;
    }
}
