using TokenClean.Ingest.Tokenization;
using Xunit.Abstractions;
using TokenClean.Tests.Shared;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Invariant 1 under kill -9: the service (a child process) is killed at random moments while it works through a
/// few thousand samples and restarted, again and again; at the end every input offset is in the output or the
/// dead letters exactly once. The broker (mock cluster) lives in this test process, so it survives the kills.
/// </summary>
[Trait("Category", "Crash")]
[Collection("console")] // serve children run alone: timing-sensitive, and CPU-heavy on a 2-core machine
public sealed class ServeCrashTests(ITestOutputHelper output) : IDisposable
{
    private const string Topic = "crash";
    private const int Partitions = 3;
    private const int Rounds = 10;
    private const int PerRound = 500; // 5,000 samples over the ten rounds, as the issue asks
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-serve-crash-" + Guid.NewGuid().ToString("N"));

    private string Lake => Path.Combine(_dir, "lake");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    // Each group protocol and each lake format once (the crossing would double a ~90 s test for no new path).
    [InlineData(GroupProtocols.Classic, "arrow")]
    [InlineData(GroupProtocols.Consumer, "parquet")]
    public void Serve_KilledAtRandomMomentsAndRestarted_WritesEveryRecordExactlyOnce(string protocol, string format)
    {
        using var cluster = GroupProtocols.StartCluster();
        cluster.CreateTopic(Topic, Partitions);
        var vocab = HfTokenizer.FromFile(StreamingAssets.BaseDir).VocabSize;
        var rng = new Random(20261121);
        var environment = new Dictionary<string, string>
        {
            // Small files committed often: many commits to be interrupted.
            ["TokenClean__Lake__MaxRecordsPerFile"] = "40",
            ["TokenClean__Lake__MaxFileAgeSeconds"] = "0.2",
            // Static membership: a restarted instance takes its predecessor's place at once instead of waiting for
            // the killed member's session to time out.
            ["TokenClean__Kafka__Properties__group.instance.id"] = "crash-instance",
            ["TokenClean__Lake__Format"] = format,
        };
        var args = ServeProcess.ArgsFor(protocol, cluster.BootstrapServers, Topic, Lake, "crash", "--batch-tokens", "2048");
        var midWork = 0;
        for (var round = 0; round < Rounds; round++)
        {
            Kcat.Produce(cluster.BootstrapServers, Topic, SampleLines.Mixed(PerRound, badEvery: 10, seed: round, vocab));
            var before = Count();
            var started = DateTime.UtcNow;
            using var serve = ServeProcess.Start(args, environment);
            Assert.True(serve.WaitForOutput("Assigned", TimeSpan.FromSeconds(30)), "no assignment:\n" + serve.Output);
            var assigned = DateTime.UtcNow - started;

            // Kill after this round's first commit plus a random delay, so that a slow machine cannot make the kill
            // land before any work (which would test nothing) and the moment varies within the work.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Count() == before && DateTime.UtcNow < until)
            {
                Thread.Sleep(5);
            }

            Thread.Sleep(rng.Next(0, 400));
            serve.Kill();
            var done = Count();
            var produced = (round + 1) * PerRound;
            midWork += done < produced ? 1 : 0;
            output.WriteLine($"round {round}: assigned after {assigned.TotalSeconds:F1} s, killed with {done} of {produced} records in the lake");
        }

        using (var final = ServeProcess.Start(args, environment))
        {
            // The lake may already be complete (the last kill came after the last file): the final instance still has
            // to take the partitions over and commit the offsets its predecessor could not.
            Assert.True(final.WaitForOutput("Assigned", TimeSpan.FromSeconds(30)), "no assignment:\n" + final.Output);
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (Count() < Rounds * PerRound)
            {
                Assert.True(DateTime.UtcNow < until && !final.HasExited, $"only {Count()} records after the last restart:\n{final.Output}");
                Thread.Sleep(200);
            }

            final.Terminate();
            Assert.True(final.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGTERM:\n" + final.Output);
            Assert.True(final.ExitCode == 0, $"exit {final.ExitCode}:\n{final.Output}");
        }

        var ends = KafkaProbe.EndOffsets(cluster.BootstrapServers, Topic, Partitions);
        Assert.Equal(Rounds * PerRound, ends.Sum());
        var lakeFiles = Directory.GetDirectories(Path.Combine(Lake, "cleaned"), "date=*").SelectMany(Directory.GetFiles).Where(f => !Path.GetFileName(f).StartsWith('.')).ToList();
        Assert.NotEmpty(lakeFiles);
        Assert.All(lakeFiles, f => Assert.EndsWith("." + format, f, StringComparison.Ordinal));
        var contents = LakeContents.Read(Lake);
        ServeEndToEndTests.AssertExactlyOnce(contents.Offsets(), ends);
        Assert.Equal(Rounds * PerRound / 10, contents.DeadLetters.Count);
        Assert.Equal(ends, KafkaProbe.Committed(cluster.BootstrapServers, "crash", Topic, Partitions));
        Assert.True(midWork >= Rounds / 2, $"only {midWork} of {Rounds} kills interrupted unfinished work");
    }

    /// <summary>Records accounted for (rows + dead letters, duplicates included), read without Arrow JS for speed.</summary>
    private int Count()
    {
        var root = Path.Combine(Lake, "cleaned");
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var n = 0;
        foreach (var file in Directory.GetFiles(root, "*.arrow", SearchOption.AllDirectories).Concat(Directory.GetFiles(root, "*.parquet", SearchOption.AllDirectories)))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.StartsWith('.'))
            {
                continue;
            }

            // <topic>+<partition>+<first>-<last>: the file accounts for last - first + 1 offsets (rows and dead letters).
            var range = name[(name.LastIndexOf('+') + 1)..].Split('-');
            n += (int)(long.Parse(range[1], System.Globalization.CultureInfo.InvariantCulture) - long.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) + 1);
        }

        return n;
    }
}
