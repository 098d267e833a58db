using TokenClean.Embedded.Kafka;
using TokenClean.Embedded.Models;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Tokenization;
using TokenClean.Scoring.Models;
using TokenClean.Tests.Oracles;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// The self-evolving loop as serve runs it: the reference comes from a root of versioned checkpoints, a new complete
/// version is swapped in while the stream flows, a corrupt one is refused, and every row names its version.
/// </summary>
[Collection("console")] // serve children run alone: timing-sensitive, and CPU-heavy on a 2-core machine
public sealed class ServeRefreshTests : IDisposable
{
    private const string Topic = "refresh";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-refresh-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Serve_NewCheckpointMidStream_IsPickedUpWithoutStoppingAndACorruptOneIsRefused()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, 1);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var root = Path.Combine(_dir, "refs");
        Publish(root, "step-001", perturbSeed: null);
        var lake = Path.Combine(_dir, "lake");
        var args = ServeProcess.Args(cluster.BootstrapServers, Topic, lake, "refresh", "--refresh-poll-seconds", "1", "--selection", "per-sample");
        var refAt = args.IndexOf("--ref");
        args[refAt] = "--ref-root";
        args[refAt + 1] = root;
        using var serve = ServeProcess.Start(args, new Dictionary<string, string> { ["TokenClean__Lake__MaxRecordsPerFile"] = "20" });

        Kcat.Produce(cluster.BootstrapServers, Topic, SampleLines.Mixed(100, badEvery: 1000, seed: 1, vocab));
        LakeContents.WaitForRows(lake, 100, serve);

        // A corrupt version (truncated weights) is refused; a good one after it is served.
        Publish(root, "step-002", perturbSeed: 7, truncate: true);
        Assert.True(serve.WaitForOutput("step-002", TimeSpan.FromSeconds(30)), "step-002's refusal not logged:\n" + serve.Output);
        Publish(root, "step-003", perturbSeed: 8);
        Assert.True(serve.WaitForOutput("step-003", TimeSpan.FromSeconds(30)), "step-003 not picked up:\n" + serve.Output);
        Kcat.Produce(cluster.BootstrapServers, Topic, SampleLines.Mixed(100, badEvery: 1000, seed: 2, vocab));
        LakeContents.WaitForRows(lake, 200, serve);

        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)), serve.Output);

        // Every row names the version that scored it; versions never go backwards along the partition.
        var versions = LakeContents.VersionsByOffset(lake);
        Assert.Equal(200, versions.Count);
        Assert.Equal("step-001", versions[0]);
        Assert.Equal("step-003", versions[^1]);
        Assert.DoesNotContain("step-002", versions);
        Assert.Equal(versions.Order(StringComparer.Ordinal), versions);
    }

    private static void Publish(string root, string version, int? perturbSeed, bool truncate = false)
    {
        var dir = Path.Combine(root, version);
        if (perturbSeed is { } seed)
        {
            RandomCheckpoint.Perturb(StreamingAssets.RefDir, dir, 0.1, seed);
        }
        else
        {
            Directory.CreateDirectory(dir);
            foreach (var file in Directory.GetFiles(StreamingAssets.RefDir))
            {
                File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            }
        }

        if (truncate)
        {
            var weights = Path.Combine(dir, "model.safetensors");
            var bytes = File.ReadAllBytes(weights);
            File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        }

        File.WriteAllText(Path.Combine(dir, "_COMPLETE"), ""); // the trainer writes the marker last
    }
}
