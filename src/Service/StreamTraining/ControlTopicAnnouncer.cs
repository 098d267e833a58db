using Confluent.Kafka;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.StreamTraining;

/// <summary>Announces published versions on the control topic as <see cref="VersionAnnouncement"/> JSON, which serve's refresher reads.</summary>
public sealed class ControlTopicAnnouncer : IDisposable
{
    private readonly IProducer<Null, string> _producer;

    public ControlTopicAnnouncer(AnnouncementTopic topic)
    {
        Topic = topic ?? throw new ArgumentNullException(nameof(topic));
        KafkaNative.EnsureLoaded();
        var config = new ProducerConfig(new Dictionary<string, string>(topic.Properties ?? new Dictionary<string, string>(), StringComparer.Ordinal))
        {
            BootstrapServers = topic.BootstrapServers,
            Acks = Acks.All,
        };
        _producer = new ProducerBuilder<Null, string>(config).Build();
    }

    public AnnouncementTopic Topic { get; }

    /// <summary>Sends the announcement and waits for the brokers' acknowledgement.</summary>
    /// <exception cref="ProduceException{TKey, TValue}">Not delivered (the version is published anyway; polling finds it).</exception>
    public void Announce(VersionAnnouncement announcement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        _producer.ProduceAsync(Topic.Topic, new Message<Null, string> { Value = announcement.ToJson() }, cancellationToken).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
