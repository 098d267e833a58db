using System.Text;
using Confluent.Kafka;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;

namespace TokenClean.Ingest.Tests.Kafka;

public sealed class KafkaMockClusterTests
{
    [Fact]
    public void ProduceThenConsume_InConsumerGroup_ReturnsEveryMessageInOrderPerPartition()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.CreateTopic("samples", partitions: 3);

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                producer.Produce("samples", new Message<string, string> { Key = $"k{i % 7}", Value = $"v{i}" });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var seen = new List<ConsumeResult<string, string>>();
        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "g1",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using (var consumer = new ConsumerBuilder<string, string>(config).Build())
        {
            consumer.Subscribe("samples");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (seen.Count < 100 && DateTime.UtcNow < deadline)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (r is not null)
                {
                    seen.Add(r);
                }
            }

            consumer.Commit();
            consumer.Close();
        }

        Assert.Equal(100, seen.Count);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"v{i}").Order(), seen.Select(r => r.Message.Value).Order());
        foreach (var partition in seen.GroupBy(r => r.Partition.Value))
        {
            var offsets = partition.Select(r => r.Offset.Value).ToList();
            Assert.Equal(Enumerable.Range(0, offsets.Count).Select(i => (long)i), offsets);
        }

        // Same key, same partition: Kafka's ordering guarantee that the service relies on.
        foreach (var key in seen.GroupBy(r => r.Message.Key))
        {
            Assert.Single(key.Select(r => r.Partition.Value).Distinct());
        }
    }

    [Fact]
    public void CooperativeStickyConsumers_DestroyedBeforeOrDuringTheirFirstJoin_DoNotAbortTheProcess()
    {
        // librdkafka issue 4312 (2.0.2 asserted in rd_kafka_sticky_assignor_state_destroy and aborted the process);
        // serve used to leave such a handle undestroyed. With 2.16 destroying it is safe: an abort kills this test run.
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("t", partitions: 2);
        for (var i = 0; i < 10; i++)
        {
            var config = new ConsumerConfig
            {
                BootstrapServers = cluster.BootstrapServers,
                GroupId = "early-destroy",
                PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            };
            var consumer = new ConsumerBuilder<Ignore, Ignore>(config).Build();
            consumer.Subscribe("t");
            consumer.Consume(TimeSpan.FromMilliseconds(i * 10)); // 0 ms: no join yet; later: mid-join
            consumer.Close();
            consumer.Dispose();
        }
    }

    [Fact]
    public void CommittedOffsets_AreResumedByTheNextMemberOfTheGroup()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("t", partitions: 1);
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce("t", new Message<Null, byte[]> { Value = Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var config = new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "resume",
            SessionTimeoutMs = 6000,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };

        using (var first = new ConsumerBuilder<Null, byte[]>(config).Build())
        {
            first.Subscribe("t");
            ConsumeResult<Null, byte[]>? r = null;
            for (var got = 0; got < 4;)
            {
                r = first.Consume(TimeSpan.FromSeconds(30));
                Assert.NotNull(r);
                got++;
            }

            first.Commit(r); // commits offset 4: the next to read
            first.Close();
        }

        using var second = new ConsumerBuilder<Null, byte[]>(config).Build();
        second.Subscribe("t");
        var next = second.Consume(TimeSpan.FromSeconds(30));
        Assert.NotNull(next);
        Assert.Equal(4, next.Offset.Value);
        Assert.Equal("4", Encoding.UTF8.GetString(next.Message.Value));
        second.Close();
    }

    [Fact]
    public void CreateTopic_WithEmptyName_Throws()
    {
        using var cluster = KafkaMockCluster.Start();
        Assert.Throws<ArgumentException>(() => cluster.CreateTopic("", 1));
    }
}
