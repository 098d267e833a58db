using Confluent.Kafka;

namespace TokenClean.Service.Pipeline;

/// <summary>The consumer configuration of <c>serve</c>.</summary>
internal static class KafkaConsumerSettings
{
    /// <summary>
    /// Pass-through properties first, then the settings the pipeline relies on: cooperative-sticky assignment
    /// (classic protocol) or the broker's incremental assignment (KIP-848), EnableAutoCommit=false and
    /// EnableAutoOffsetStore=false (offsets are committed explicitly, only where the output is durable),
    /// auto.offset.reset=earliest unless set.
    /// </summary>
    public static ConsumerConfig Create(ServeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = new ConsumerConfig(new Dictionary<string, string>(settings.Kafka.Properties, StringComparer.Ordinal))
        {
            BootstrapServers = settings.Kafka.BootstrapServers,
            GroupId = settings.Kafka.GroupId,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = false,
        };
        if (settings.Kafka.UsesConsumerProtocol)
        {
            // KIP-848: the broker assigns (incrementally, like cooperative-sticky) and owns the session timeout and
            // heartbeat interval; librdkafka refuses those settings with this protocol (the validator reports them).
            config.GroupProtocol = GroupProtocol.Consumer;
        }
        else if (!settings.Kafka.Properties.ContainsKey("partition.assignment.strategy"))
        {
            config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
        }

        if (!settings.Kafka.Properties.ContainsKey("auto.offset.reset"))
        {
            config.AutoOffsetReset = AutoOffsetReset.Earliest;
        }

        return config;
    }
}
