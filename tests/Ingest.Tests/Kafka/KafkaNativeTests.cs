using Confluent.Kafka;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;

namespace TokenClean.Ingest.Tests.Kafka;

/// <summary>
/// Which librdkafka this process runs, in the configuration the suite runs in: the redist package's 2.16, one file
/// for Confluent.Kafka and for our mock-cluster P/Invokes alike, never a distribution's library.
/// </summary>
public sealed class KafkaNativeTests
{
    [Fact]
    public void ConfluentKafka_Runs_Librdkafka_2_16_OfTheRedistPackage()
    {
        KafkaNative.EnsureLoaded();

        Assert.StartsWith("2.16.", Library.VersionString, StringComparison.Ordinal);
        Assert.Equal(0x02, Library.Version >>> 24);
        Assert.Equal(0x10, (Library.Version >>> 16) & 0xff);
        var path = KafkaNative.LoadedPath;
        Assert.NotNull(path);
        // The package's file from the build output, not a system library.
        Assert.StartsWith(Path.GetFullPath(AppContext.BaseDirectory), path, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(path), KafkaNative.CandidateFiles());
    }

    [Fact]
    public void OurPInvokes_And_Confluent_ResolveToTheSameFile()
    {
        using var cluster = KafkaMockCluster.Start();
        // A client handle of Confluent's and the mock (ours) both exist now.
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();

        Assert.Equal(Library.Version, KafkaNative.NativeVersion);
        // Mock API that 2.0.2 lacks, called through our own imports.
        Assert.True(KafkaNative.Exports("rd_kafka_mock_set_group_consumer_session_timeout_ms"));
        Assert.True(KafkaNative.Exports("rd_kafka_mock_group_initial_rebalance_delay_ms"));
        cluster.SetGroupInitialRebalanceDelay(0);
        cluster.SetConsumerGroupTimeouts(sessionTimeoutMs: 3000, heartbeatIntervalMs: 200);

        if (OperatingSystem.IsLinux())
        {
            // Every librdkafka file mapped into this process: exactly the one KafkaNative chose.
            var mapped = File.ReadLines("/proc/self/maps")
                .Select(l => l.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length == 6 && Path.GetFileName(f[5].Trim()).Contains("rdkafka", StringComparison.Ordinal))
                .Select(f => f[5].Trim())
                .Distinct(StringComparer.Ordinal)
                .ToList();
            Assert.Equal([KafkaNative.LoadedPath!], mapped);
        }
    }

    [Fact]
    public void OnLinuxX64WithGlibc_TheDefaultBuildIsTried_ThenTheCentos8Build()
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return;
        }

        Assert.Equal(["librdkafka.so", "centos8-librdkafka.so"], KafkaNative.CandidateFiles());
        KafkaNative.EnsureLoaded();
        // Debian 12 has no libsasl2.so.3, which the default build links: there the CentOS 8 build must be the one.
        var hasSasl3 = new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" }
            .Any(d => File.Exists(Path.Combine(d, "libsasl2.so.3")));
        Assert.Equal(hasSasl3 ? "librdkafka.so" : "centos8-librdkafka.so", Path.GetFileName(KafkaNative.LoadedPath));
    }
}
