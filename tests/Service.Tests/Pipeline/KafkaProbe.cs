using Confluent.Kafka;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>Reads end offsets and a group's committed offsets from the broker (Confluent client, no group join).</summary>
internal static class KafkaProbe
{
    public static long[] EndOffsets(string bootstrap, string topic, int partitions)
    {
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "probe-" + Guid.NewGuid().ToString("N") }).Build();
        var result = new long[partitions];
        for (var p = 0; p < partitions; p++)
        {
            result[p] = c.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value;
        }

        return result;
    }

    /// <summary>The group's committed offset per partition; 0 where nothing is committed (an empty partition needs none).</summary>
    public static long[] Committed(string bootstrap, string group, string topic, int partitions)
    {
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = group }).Build();
        var tps = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var committed = c.Committed(tps, TimeSpan.FromSeconds(10));
        var result = new long[partitions];
        foreach (var tpo in committed)
        {
            result[tpo.Partition.Value] = Math.Max(0, tpo.Offset.Value);
        }

        return result;
    }
}
