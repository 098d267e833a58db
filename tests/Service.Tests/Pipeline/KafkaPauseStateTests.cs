using Confluent.Kafka;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// The pause flag of a partition survives its removal from the assignment (librdkafka keeps it on the partition
/// object): a partition paused under backpressure, then lost or revoked, comes back paused. The consumer loop
/// therefore applies its pause state to every new assignment, resuming only partitions it had paused (<see cref="PauseControl.ApplyPauseState"/>).
/// </summary>
public sealed class KafkaPauseStateTests
{
    private const string Topic = "paused";

    [Fact]
    public void ReassignedPartition_PausedBeforeItWasRemoved_StaysPausedUntilThePauseStateIsApplied()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic(Topic, 1);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(Topic, new Message<Null, byte[]> { Value = [(byte)i] });
            }

            producer.Flush(TimeSpan.FromSeconds(10));
        }

        var config = new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "pause-state", EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        var tp = new TopicPartition(Topic, 0);
        consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
        Assert.NotNull(consumer.Consume(TimeSpan.FromSeconds(10)));

        // Paused (backpressure), then taken away and given back, as a rebalance does.
        consumer.Pause([tp]);
        consumer.Unassign();
        consumer.Assign(new TopicPartitionOffset(tp, 1));
        Assert.Null(consumer.Consume(TimeSpan.FromSeconds(2))); // the flag survived: nothing is fetched

        var flagged = new HashSet<TopicPartition> { tp };
        PauseControl.ApplyPauseState(consumer, paused: false, flagged);
        var record = consumer.Consume(TimeSpan.FromSeconds(10));
        Assert.NotNull(record);
        Assert.Equal(1, record.Offset.Value);
        Assert.Empty(flagged);

        // A partition that is not paused is left alone: resuming it would restart its fetcher (records delivered twice).
        PauseControl.ApplyPauseState(consumer, paused: false, flagged);
        for (var expected = 2L; expected < 10; expected++)
        {
            Assert.Equal(expected, consumer.Consume(TimeSpan.FromSeconds(10))?.Offset.Value);
        }
    }
}
