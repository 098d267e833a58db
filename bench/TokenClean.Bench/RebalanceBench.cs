using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;

namespace TokenClean.Bench;

/// <summary>
/// How long consumer group changes take on librdkafka's mock broker, per group protocol: the first member's join, a
/// second member's join until both own partitions, its leave (Close) until the first owns everything again, and a
/// handoff (the only member closes, a new one joins the same group). What the serve tests' timings rest on.
/// Usage: rebalance [--protocol classic|consumer] [--session-ms 3000] [--heartbeat-ms 300] [--partitions 6]
/// (classic: the client's session.timeout.ms and heartbeat.interval.ms; consumer: the mock broker's group.consumer.*)
/// </summary>
internal static class RebalanceBench
{
    private const string Topic = "t";

    public static int Run(string[] args)
    {
        var protocol = args.SkipWhile(a => a != "--protocol").Skip(1).FirstOrDefault() ?? "classic";
        var session = PipelineBench.Option(args, "--session-ms", 3000);
        var heartbeat = PipelineBench.Option(args, "--heartbeat-ms", 300);
        var partitions = PipelineBench.Option(args, "--partitions", 6);
        if (protocol is not ("classic" or "consumer"))
        {
            Console.Error.WriteLine("--protocol must be classic or consumer");
            return 2;
        }

        using var cluster = KafkaMockCluster.Start();
        if (protocol == "consumer")
        {
            cluster.SetConsumerGroupTimeouts(session, heartbeat);
        }

        cluster.CreateTopic(Topic, partitions);
        Console.WriteLine($"librdkafka {Library.VersionString} mock, protocol {protocol}, session {session} ms, heartbeat {heartbeat} ms, {partitions} partitions");
        var a = Member(cluster, protocol, session, heartbeat, "g");
        Report("first member owns all", Until(() => a.Assignment.Count == partitions, a));
        var b = Member(cluster, protocol, session, heartbeat, "g");
        Report("second member joined, both own partitions", Until(() => a.Assignment.Count > 0 && b.Assignment.Count > 0 && a.Assignment.Count + b.Assignment.Count == partitions, a, b));
        b.Close();
        b.Dispose();
        Report("second member left (Close), first owns all again", Until(() => a.Assignment.Count == partitions, a));
        a.Close();
        a.Dispose();
        var c = Member(cluster, protocol, session, heartbeat, "g");
        Report("handoff: the only member closed, a new member owns all", Until(() => c.Assignment.Count == partitions, c));
        c.Close();
        c.Dispose();
        return 0;
    }

    private static IConsumer<Ignore, Ignore> Member(KafkaMockCluster cluster, string protocol, int session, int heartbeat, string group)
    {
        var config = new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = group, EnableAutoCommit = false };
        if (protocol == "consumer")
        {
            config.GroupProtocol = GroupProtocol.Consumer;
        }
        else
        {
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
            config.SessionTimeoutMs = session;
            config.HeartbeatIntervalMs = heartbeat;
        }

        var consumer = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(Topic);
        return consumer;
    }

    private static TimeSpan Until(Func<bool> condition, params IConsumer<Ignore, Ignore>[] members)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException("no stable assignment within 120 s");
            }

            foreach (var m in members)
            {
                m.Consume(TimeSpan.FromMilliseconds(10));
            }
        }

        return sw.Elapsed;
    }

    private static void Report(string what, TimeSpan took) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{took.TotalSeconds,7:F2} s  {what}"));
}
