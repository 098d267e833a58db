using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Ingest.Tokenization;
using TokenClean.Tests.Oracles;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// <c>--ref-control-topic</c>: a version announced on the control topic is loaded at once, although the poll interval
/// (an hour here) would not look at the reference root again during the test.
/// </summary>
[Collection("console")] // serve children run alone: timing-sensitive, and CPU-heavy on a 2-core machine
public sealed class ServeControlTopicTests : IDisposable
{
    private const string Topic = "ctl-in";
    private const string ControlTopic = "ctl-reference";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-ctl-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Serve_VersionAnnouncedOnTheControlTopic_IsServedWithoutWaitingForThePollInterval()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, 1);
        cluster.CreateTopic(ControlTopic, 1);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var root = Path.Combine(_dir, "refs");
        Publish(root, "step-001");
        var lake = Path.Combine(_dir, "lake");
        var args = ServeProcess.Args(
            cluster.BootstrapServers, Topic, lake, "ctl", "--refresh-poll-seconds", "3600", "--ref-control-topic", ControlTopic, "--selection", "per-sample");
        var refAt = args.IndexOf("--ref");
        args[refAt] = "--ref-root";
        args[refAt + 1] = root;
        using var serve = ServeProcess.Start(args, new Dictionary<string, string> { ["TokenClean__Lake__MaxFileAgeSeconds"] = "0.5" });

        Kcat.Produce(cluster.BootstrapServers, Topic, SampleLines.Mixed(30, badEvery: 1000, seed: 1, vocab));
        LakeContents.WaitForRows(lake, 30, serve);

        // Published outside the root, so only the announcement can name it.
        var elsewhere = Path.Combine(_dir, "trainer-out");
        Publish(elsewhere, "step-002");
        Kcat.Produce(cluster.BootstrapServers, ControlTopic, [$"{{\"version\":\"step-002\",\"path\":\"{Path.Combine(elsewhere, "step-002")}\"}}"]);
        Assert.True(serve.WaitForOutput("reference step-002 now serving", TimeSpan.FromSeconds(20)), "the announced version was not picked up:\n" + serve.Output);

        Kcat.Produce(cluster.BootstrapServers, Topic, SampleLines.Mixed(30, badEvery: 1000, seed: 2, vocab));
        LakeContents.WaitForRows(lake, 60, serve);
        serve.Terminate();
        Assert.True(serve.WaitForExit(TimeSpan.FromSeconds(30)), serve.Output);
        Assert.Equal(0, serve.ExitCode);

        var versions = LakeContents.VersionsByOffset(lake);
        Assert.Equal(60, versions.Count);
        Assert.All(versions.Take(30), v => Assert.Equal("step-001", v));
        Assert.All(versions.Skip(30), v => Assert.Equal("step-002", v));
    }

    private static void Publish(string root, string version)
    {
        var dir = Path.Combine(root, version);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(StreamingAssets.RefDir))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(dir, "_COMPLETE"), ""); // the trainer writes the marker last
    }
}
