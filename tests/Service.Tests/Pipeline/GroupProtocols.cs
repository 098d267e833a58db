using Confluent.Kafka;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// The consumer group protocols the rebalance and fault tests run under, and the group timings they use on the mock
/// broker. Classic: session.timeout.ms 3 s with heartbeats every 300 ms (the mock ends a classic rebalance after the
/// session timeout − 1 s, so a join takes ~2 × 2 s with cooperative-sticky and a leave ~2 s; a session timeout under
/// ~10 heartbeats expires during rebalances). KIP-848 (<c>consumer</c>): the broker's group.consumer session timeout
/// and heartbeat interval, set on the mock to the same 3 s / 300 ms; a join or leave takes well under a second.
/// </summary>
internal static class GroupProtocols
{
    public const string Classic = ServeSettings.KafkaSettings.ClassicProtocol;

    public const string Consumer = ServeSettings.KafkaSettings.ConsumerProtocol;

    /// <summary>How long a killed member holds its partitions, under either protocol.</summary>
    public const int SessionTimeoutMs = 3000;

    public const int HeartbeatIntervalMs = 300;

    /// <summary>Both protocols, for <c>[MemberData]</c>.</summary>
    public static TheoryData<string> Both => new() { Classic, Consumer };

    /// <summary>A mock cluster whose KIP-848 groups use <see cref="SessionTimeoutMs"/> and <see cref="HeartbeatIntervalMs"/>.</summary>
    public static KafkaMockCluster StartCluster(int brokers = 1)
    {
        var cluster = KafkaMockCluster.Start(brokers);
        cluster.SetConsumerGroupTimeouts(SessionTimeoutMs, HeartbeatIntervalMs);
        return cluster;
    }

    /// <summary><c>serve</c> flags that select <paramref name="protocol"/> with the test timings.</summary>
    public static string[] ServeFlags(string protocol) => protocol == Consumer
        ? ["--group-protocol", Consumer]
        : ["--kafka-property", $"session.timeout.ms={SessionTimeoutMs}", "--kafka-property", $"heartbeat.interval.ms={HeartbeatIntervalMs}"];

    /// <summary>The same as configuration keys (<see cref="InProcessServe"/>).</summary>
    public static void Configure(IDictionary<string, string?> flags, string protocol)
    {
        ArgumentNullException.ThrowIfNull(flags);
        flags.Remove("TokenClean:Kafka:Properties:session.timeout.ms");
        flags.Remove("TokenClean:Kafka:Properties:heartbeat.interval.ms");
        flags["TokenClean:Kafka:GroupProtocol"] = protocol;
        if (protocol == Classic)
        {
            flags["TokenClean:Kafka:Properties:session.timeout.ms"] = SessionTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
            flags["TokenClean:Kafka:Properties:heartbeat.interval.ms"] = HeartbeatIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A plain group member's configuration (incremental assignment under both protocols).</summary>
    public static ConsumerConfig Member(string bootstrap, string group, string protocol)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        if (protocol == Consumer)
        {
            config.GroupProtocol = GroupProtocol.Consumer;
        }
        else
        {
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
            config.SessionTimeoutMs = SessionTimeoutMs;
            config.HeartbeatIntervalMs = HeartbeatIntervalMs;
        }

        return config;
    }
}
