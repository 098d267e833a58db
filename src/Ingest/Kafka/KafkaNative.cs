using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace TokenClean.Ingest.Kafka;

/// <summary>
/// Points Confluent.Kafka at the system librdkafka. The package's own native redistributable is not obtainable
/// here (see docs/ARCHITECTURE.md), so the library Debian ships (librdkafka1, 2.0.x) is loaded explicitly.
/// </summary>
public static class KafkaNative
{
    private static readonly Lock Gate = new();
    private static bool _loaded;

    /// <summary>Candidate paths, first match wins; <c>TOKENCLEAN_LIBRDKAFKA</c> overrides them.</summary>
    private static readonly string[] Candidates =
    [
        "/usr/lib/x86_64-linux-gnu/librdkafka.so.1",
        "/usr/lib/aarch64-linux-gnu/librdkafka.so.1",
        "/usr/lib/librdkafka.so.1",
        "/usr/local/lib/librdkafka.so.1",
    ];

    /// <summary>Loads librdkafka once per process. Throws with the paths tried when none is found.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }

            var overridePath = Environment.GetEnvironmentVariable("TOKENCLEAN_LIBRDKAFKA");
            var path = !string.IsNullOrEmpty(overridePath) ? overridePath : Array.Find(Candidates, File.Exists);
            if (path is null)
            {
                throw new DllNotFoundException(
                    "librdkafka not found (tried " + string.Join(", ", Candidates) +
                    "). Run ./build.sh setup, or set TOKENCLEAN_LIBRDKAFKA to the library's path.");
            }

            // Confluent.Kafka 1.9 resolves "librdkafka" by name and dlopen()s through "libdl", which Debian 12
            // ships only as libdl.so.2. Resolve both names for that assembly instead of relying on -dev symlinks.
            NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
                name.Contains("rdkafka", StringComparison.Ordinal) ? NativeLibrary.Load(path)
                : name == "libdl" ? NativeLibrary.Load("libdl.so.2")
                : IntPtr.Zero);
            Library.Load();
            _loaded = true;
        }
    }
}
