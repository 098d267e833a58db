using Xunit.Abstractions;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Invariant 1 across consumer-group rebalances: two <c>serve</c> instances (child processes) in one group share a
/// 6-partition topic and one lake while samples stream in. The second instance joins mid-stream and then leaves
/// (SIGTERM: it drains and commits) or dies (SIGKILL: the first takes its partitions over after the session
/// timeout), under the classic and the KIP-848 group protocol. Every input offset ends up exactly once in rows or dead letters.
/// </summary>
[Collection("console")]
[Trait("Category", "Faults")]
public sealed class ServeRebalanceFaultTests(ITestOutputHelper output)
{
    private const int Partitions = 6;

    [Theory]
    [MemberData(nameof(GroupProtocols.Both), MemberType = typeof(GroupProtocols))]
    public void Serve_SecondInstanceJoinsAndLeavesMidStream_WritesEachOffsetOnce(string protocol)
    {
        using var h = new ServeFaultHarness(brokers: 1, Partitions, protocol: protocol);
        const string group = "join-leave";
        using var first = h.StartServe(group);
        h.StartFeeding(perTick: 10);
        h.WaitForProcessed(300, TimeSpan.FromSeconds(40), first);

        using var second = h.StartServe(group);
        Assert.True(second.WaitForOutput("Assigned", TimeSpan.FromSeconds(30)), "the second instance got no partitions:\n" + second.Output);
        var joined = h.Processed();
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} second instance assigned");
        h.WaitForProcessed(joined + 400, TimeSpan.FromSeconds(40), first, second);

        second.Terminate();
        Assert.True(second.WaitForExit(TimeSpan.FromSeconds(30)), "the second instance did not exit after SIGTERM:\n" + second.Output);
        Assert.True(second.ExitCode == 0, $"the second instance exited {second.ExitCode}:\n{second.Output}");
        var left = h.Processed();
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} second instance left");
        h.WaitForProcessed(left + 300, TimeSpan.FromSeconds(40), first);

        var fed = h.StopFeeding();
        var contents = h.FinishAndAssertExactlyOnce(group, TimeSpan.FromSeconds(40), first);
        output.WriteLine($"{fed} fed; {joined} processed when the second joined, {left} when it left; {contents.Rows.Count} rows, {contents.DeadLetters.Count} dead letters");
        Assert.Equal(fed, contents.Rows.Count + contents.DeadLetters.Count);

        // The partitions really moved: the first gave some up, and took them back when the second left.
        Assert.True(first.Output.Contains("Revoked", StringComparison.Ordinal), "the first instance never gave partitions up:\n" + first.Output);
        Assert.True(first.Output.Split("Assigned").Length - 1 > Partitions, "the first instance never took partitions back:\n" + first.Output);
    }

    [Theory]
    [MemberData(nameof(GroupProtocols.Both), MemberType = typeof(GroupProtocols))]
    public void Serve_SecondInstanceKilledMidStream_FirstTakesOverWithEachOffsetOnce(string protocol)
    {
        using var h = new ServeFaultHarness(brokers: 1, Partitions, protocol: protocol);
        const string group = "join-kill";
        using var first = h.StartServe(group);
        h.StartFeeding(perTick: 10);
        h.WaitForProcessed(300, TimeSpan.FromSeconds(40), first);

        using var second = h.StartServe(group);
        Assert.True(second.WaitForOutput("Assigned", TimeSpan.FromSeconds(30)), "the second instance got no partitions:\n" + second.Output);
        h.WaitForProcessed(h.Processed() + 400, TimeSpan.FromSeconds(40), first, second);

        // Killed while it has open lake files and offsets not yet committed to Kafka.
        second.Kill();
        var killed = h.Processed();

        // The first instance gets the partitions back once the mock broker expires the dead member's session (3 s).
        h.WaitForProcessed(killed + 600, TimeSpan.FromSeconds(40), first);
        var fed = h.StopFeeding();
        var contents = h.FinishAndAssertExactlyOnce(group, TimeSpan.FromSeconds(40), first);
        output.WriteLine($"{fed} fed; {killed} processed at the kill; {contents.Rows.Count} rows, {contents.DeadLetters.Count} dead letters");
        Assert.Equal(fed, contents.Rows.Count + contents.DeadLetters.Count);
        Assert.True(first.Output.Split("Assigned").Length - 1 > Partitions, "the first instance never took partitions over:\n" + first.Output);
    }

    [Theory]
    [MemberData(nameof(GroupProtocols.Both), MemberType = typeof(GroupProtocols))]
    public void Serve_LakeAheadOfTheGroupsOffsets_CommitsTheLakesOffsetsWithoutConsumingAgain(string protocol)
    {
        // What an instance sees when it takes over partitions whose previous owner wrote the lake and died before
        // committing to Kafka, with no new input afterwards: here a second group over a lake the first one completed.
        using var h = new ServeFaultHarness(brokers: 1, Partitions, protocol: protocol);
        h.StartFeeding(perTick: 10);
        h.WaitForEndOffsets(600);
        var fed = h.StopFeeding();
        using (var first = h.StartServe("lake-first"))
        {
            h.FinishAndAssertExactlyOnce("lake-first", TimeSpan.FromSeconds(40), first);
        }

        var ends = KafkaProbe.EndOffsets(h.Cluster.BootstrapServers, h.Topic, Partitions);
        using var second = h.StartServe("lake-second");
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!KafkaProbe.Committed(h.Cluster.BootstrapServers, "lake-second", h.Topic, Partitions).SequenceEqual(ends))
        {
            Assert.True(DateTime.UtcNow < until && !second.HasExited, "the lake's offsets were never committed for the new group:\n" + second.Output);
            Thread.Sleep(200);
        }

        second.Terminate();
        Assert.True(second.WaitForExit(TimeSpan.FromSeconds(30)) && second.ExitCode == 0, "no clean exit:\n" + second.Output);
        var contents = LakeContents.Read(h.Lake);
        ServeEndToEndTests.AssertExactlyOnce(contents.Offsets(), ends);
        Assert.Equal(fed, contents.Rows.Count + contents.DeadLetters.Count);
    }
}
