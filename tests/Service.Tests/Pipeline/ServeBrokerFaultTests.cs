using System.Globalization;
using System.Text;
using Confluent.Kafka;
using TokenClean.Service.Pipeline;
using Xunit.Abstractions;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Invariant 1 under broker faults: while samples stream in, a broker of a 3-broker cluster goes down for seconds
/// (a partition leader, or the group coordinator's broker), or fetch, offset-commit and dead-letter produce
/// requests fail with retriable Kafka errors. The service (a child process) must recover by itself: every input
/// offset ends up exactly once in the rows or the dead letters, and the group's offsets are committed at the end.
/// </summary>
[Collection("console")]
[Trait("Category", "Faults")]
public sealed class ServeBrokerFaultTests(ITestOutputHelper output)
{
    private const short Produce = 0;
    private const short Fetch = 1;
    private const short OffsetCommit = 8;
    private const int NotLeaderOrFollower = 6;
    private const int RequestTimedOut = 7;
    private const int CoordinatorNotAvailable = 15;
    private const int NotCoordinator = 16;

    [Theory]
    [MemberData(nameof(GroupProtocols.Both), MemberType = typeof(GroupProtocols))]
    public void Serve_EachBrokerDownInTurnForSeconds_RecoversWithEachOffsetOnce(string protocol)
    {
        // Each of the 3 brokers goes down once, so the group coordinator's broker and every partition leader's
        // broker are each down for seconds at some point (the mock cluster has no admin call that names the coordinator).
        using var h = new ServeFaultHarness(brokers: 3, partitions: 4, protocol: protocol);
        const string group = "brokers-down";
        using var serve = h.StartServe(group);
        h.StartFeeding(perTick: 10);
        h.WaitForProcessed(300, TimeSpan.FromSeconds(40), serve);

        for (var broker = 1; broker <= 3; broker++)
        {
            var before = h.Processed();
            h.Cluster.SetBrokerDown(broker);
            Thread.Sleep(TimeSpan.FromSeconds(4));
            h.Cluster.SetBrokerUp(broker);

            // The service makes progress again before the next broker goes.
            h.WaitForProcessed(h.Processed() + 200, TimeSpan.FromSeconds(40), serve);
            output.WriteLine($"broker {broker} down for 4 s: {before} offsets processed before, {h.Processed()} after recovery");
        }

        var fed = h.StopFeeding();
        var contents = h.FinishAndAssertExactlyOnce(group, TimeSpan.FromSeconds(40), serve);
        output.WriteLine($"{fed} samples fed, {contents.Rows.Count} rows, {contents.DeadLetters.Count} dead letters");
        Assert.Equal(fed, contents.Rows.Count + contents.DeadLetters.Count);
        Assert.NotEmpty(contents.DeadLetters);
    }

    [Theory]
    [MemberData(nameof(GroupProtocols.Both), MemberType = typeof(GroupProtocols))]
    public void Serve_FetchAndOffsetCommitRequestErrors_RecoversWithEachOffsetOnce(string protocol)
    {
        using var h = new ServeFaultHarness(brokers: 3, partitions: 4, protocol: protocol);
        const string group = "request-errors";
        using var serve = h.StartServe(group, new Dictionary<string, string> { ["TokenClean__Kafka__CommitIntervalMs"] = "200" });
        h.StartFeeding(perTick: 10);
        h.WaitForProcessed(300, TimeSpan.FromSeconds(40), serve);

        h.Cluster.PushRequestErrors(Fetch, NotLeaderOrFollower, RequestTimedOut, NotLeaderOrFollower, RequestTimedOut, NotLeaderOrFollower);
        h.Cluster.PushRequestErrors(OffsetCommit, NotCoordinator, CoordinatorNotAvailable, RequestTimedOut, NotCoordinator, RequestTimedOut);
        var committedBefore = KafkaProbe.Committed(h.Cluster.BootstrapServers, group, h.Topic, h.Partitions).Sum();
        h.WaitForProcessed(h.Processed() + 500, TimeSpan.FromSeconds(40), serve);
        var fed = h.StopFeeding();
        var contents = h.FinishAndAssertExactlyOnce(group, TimeSpan.FromSeconds(40), serve);
        Assert.Equal(fed, contents.Rows.Count + contents.DeadLetters.Count);

        // The injected errors were met (a commit failed and was logged) and did not stop later commits.
        Assert.Contains("Committing offsets failed", serve.Output, StringComparison.Ordinal);
        Assert.True(fed > committedBefore, $"fed {fed}, committed before the errors {committedBefore}");
    }

    [Fact]
    public void Serve_DeadLetterTopicProduceErrors_RetriesAndDeadLettersEachBadOffsetOnce()
    {
        using var h = new ServeFaultHarness(brokers: 3, partitions: 4);
        const string group = "produce-errors";
        const string deadLetterTopic = "samples-dlq";
        h.Cluster.CreateTopic(deadLetterTopic, 1);

        // The input is produced first, so the service's dead-letter producer is the only producer when the errors
        // are pushed: its first produce requests fail (retriable errors; the idempotent producer retries them).
        h.StartFeeding(perTick: 10);
        h.WaitForEndOffsets(1000);
        var fed = h.StopFeeding();
        h.Cluster.PushRequestErrors(Produce, NotLeaderOrFollower, RequestTimedOut, NotLeaderOrFollower, RequestTimedOut);
        using var serve = h.StartServe(group, "--dead-letter-topic", deadLetterTopic);

        var ends = h.Finish(group, TimeSpan.FromSeconds(40), serve);
        var contents = LakeContents.Read(h.Lake);
        Assert.Empty(contents.DeadLetters); // they went to the topic, not to files

        // Rows and dead-letter messages together hold every input offset exactly once.
        var offsets = new List<(int Partition, long Offset)>();
        foreach (var r in contents.Rows)
        {
            offsets.Add((r.Partition, r.Offset));
        }

        var deadLetters = ReadDeadLetters(h.Cluster.BootstrapServers, deadLetterTopic);
        offsets.AddRange(deadLetters);
        ServeEndToEndTests.AssertExactlyOnce(offsets, ends);
        Assert.Equal(fed, offsets.Count);
        Assert.True(deadLetters.Count >= fed / 10 - 1, $"{deadLetters.Count} dead letters for {fed} samples, one in ten bad");
    }

    private static List<(int Partition, long Offset)> ReadDeadLetters(string bootstrap, string topic)
    {
        var end = KafkaProbe.EndOffsets(bootstrap, topic, 1)[0];
        var result = new List<(int, long)>();
        using var c = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "dlq-reader-" + Guid.NewGuid().ToString("N") }).Build();
        c.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (result.Count < end && DateTime.UtcNow < until)
        {
            var m = c.Consume(TimeSpan.FromMilliseconds(200));
            if (m?.Message is null)
            {
                continue;
            }

            result.Add(((int)Header(m, DeadLetterHeaders.Partition), Header(m, DeadLetterHeaders.Offset)));
        }

        Assert.Equal(end, result.Count);
        return result;
    }

    private static long Header(ConsumeResult<Ignore, byte[]> m, string key) =>
        long.Parse(Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes(key)), CultureInfo.InvariantCulture);
}
