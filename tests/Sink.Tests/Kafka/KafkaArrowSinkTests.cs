using System.Globalization;
using System.Text;
using Confluent.Kafka;
using TokenClean.Core.Sources;
using TokenClean.Embedded.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Sink.Arrow;
using TokenClean.Sink.Kafka;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Tests.Output;
using TokenClean.Sink.Tests.Support;
using TokenClean.Tests.Oracles;
using TokenClean.Tests.Shared;

namespace TokenClean.Sink.Tests.Kafka;

public sealed class KafkaArrowSinkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(ArrowCompression.None)]
    [InlineData(ArrowCompression.Zstd)]
    public async Task FlushAsync_RecordsFromTwoPartitions_PublishesArrowStreamsWithProvenanceHeadersThatArrowJsReads(ArrowCompression compression)
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("cleaned", partitions: 2);
        var published = new List<PublishedBatch>();
        using (var sink = KafkaArrowSink.Create(cluster.BootstrapServers, new KafkaArrowSinkOptions { Topic = "cleaned", MaxRecordsPerMessage = 4, Compression = compression }, OutputRecords.Metadata))
        {
            for (var o = 0; o < 6; o++)
            {
                sink.Append(OutputRecords.Kafka("samples", 0, 100 + o));
                sink.Append(OutputRecords.Kafka("samples", 1, o));
            }

            sink.Append(SourcePartition.File("in.jsonl"), 3, OutputRecords.File(3));
            published.AddRange(await sink.FlushAsync());
        }

        Assert.Equal(5, published.Count);
        Assert.Equal(13, published.Sum(p => p.Records));
        var p0 = published.Where(p => p.Source == SourcePartition.Kafka("samples", 0)).OrderBy(p => p.FirstOffset).ToList();
        Assert.Equal([(100L, 103L), (104L, 105L)], p0.Select(p => (p.FirstOffset, p.LastOffset)));

        var config = new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "trainer", AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        // Assign (no group join) keeps the test fast; the sink does not care how it is read.
        consumer.Assign([new TopicPartitionOffset("cleaned", 0, Offset.Beginning), new TopicPartitionOffset("cleaned", 1, Offset.Beginning)]);
        var messages = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (messages.Count < 5 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
            {
                messages.Add(r);
            }
        }

        consumer.Close();
        Assert.Equal(5, messages.Count);
        var rows = 0;
        foreach (var m in messages)
        {
            string Header(string name) => Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes(name));
            Assert.Equal("application/vnd.apache.arrow.stream", Header(KafkaArrowHeaders.ContentType));
            Assert.Equal("1", Header(KafkaArrowHeaders.SchemaVersion));
            var first = long.Parse(Header(KafkaArrowHeaders.FirstOffset), CultureInfo.InvariantCulture);
            var last = long.Parse(Header(KafkaArrowHeaders.LastOffset), CultureInfo.InvariantCulture);
            var count = int.Parse(Header(KafkaArrowHeaders.RecordCount), CultureInfo.InvariantCulture);

            var path = _dir.File($"m{m.Partition.Value}-{m.Offset.Value}.arrows");
            await File.WriteAllBytesAsync(path, m.Message.Value);
            var js = ArrowJs.ReadOne(path);
            Assert.Equal("stream", js.GetProperty("format").GetString());
            Assert.Equal(count, js.GetProperty("numRows").GetInt32());
            Assert.Equal("qwen3", js.GetProperty("metadata").GetProperty("tokenclean.tokenizer_id").GetString());
            var ids = js.GetProperty("columns").GetProperty("sample_id").EnumerateArray().Select(e => e.GetString()).ToList();
            if (Header(KafkaArrowHeaders.SourceTopic) == "in.jsonl")
            {
                Assert.False(m.Message.Headers.TryGetLastBytes(KafkaArrowHeaders.SourcePartition, out _));
                Assert.Equal(["line-3"], ids);
            }
            else
            {
                var partition = int.Parse(Header(KafkaArrowHeaders.SourcePartition), CultureInfo.InvariantCulture);
                Assert.Equal($"samples+{partition}", Encoding.UTF8.GetString(m.Message.Key));
                var expected = new List<string?>();
                for (var o = first; o <= last; o++)
                {
                    expected.Add($"samples-{partition}-{o}");
                }

                Assert.Equal(expected, ids);
            }

            rows += count;
        }

        Assert.Equal(13, rows);
    }

    [Fact]
    public async Task FlushAsync_WhenTheBrokerIsDown_ThrowsAndReportsNothingAsPublished()
    {
        using var cluster = KafkaMockCluster.Start();
        cluster.CreateTopic("cleaned", partitions: 1);
        cluster.SetBrokerDown(1);
        var config = new ProducerConfig { BootstrapServers = cluster.BootstrapServers, Acks = Acks.All, EnableIdempotence = true, MessageTimeoutMs = 2000 };
        using var sink = new KafkaArrowSink(new ProducerBuilder<byte[], byte[]>(config).Build(), new KafkaArrowSinkOptions { Topic = "cleaned" }, OutputRecords.Metadata, ownsProducer: true);
        sink.Append(OutputRecords.Kafka("samples", 0, 0));

        var e = await Assert.ThrowsAsync<ProduceException<byte[], byte[]>>(() => sink.FlushAsync());
        Assert.Equal(ErrorCode.Local_MsgTimedOut, e.Error.Code);
    }
}
