using System.Globalization;
using Confluent.Kafka;
using TokenClean.Ingest.Kafka;

namespace TokenClean.Service.Refresh;

/// <summary>The control topic: a Kafka consumer that turns announcements into wake-ups of the refresher's task.</summary>
public sealed partial class ModelRefresher
{
    /// <summary>Runs on a dedicated thread until <paramref name="stop"/>; never throws (errors are logged, polling goes on).</summary>
    private void ConsumeControlTopic(ControlTopicOptions topic, CancellationToken stop)
    {
        IConsumer<Ignore, string> consumer;
        try
        {
            KafkaNative.EnsureLoaded();
            var config = new ConsumerConfig(new Dictionary<string, string>(topic.Properties ?? new Dictionary<string, string>(), StringComparer.Ordinal))
            {
                BootstrapServers = topic.BootstrapServers,
                GroupId = topic.GroupId ?? $"tokenclean-refresh-{Environment.MachineName}-{Guid.NewGuid():N}",
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = true,
                SessionTimeoutMs = topic.SessionTimeoutMs,
            };
            consumer = new ConsumerBuilder<Ignore, string>(config)
                .SetErrorHandler((_, e) => LogControlTopicError(topic.Topic, e.Reason, _root))
                .Build();
            consumer.Subscribe(topic.Topic);
        }
        catch (Exception e) when (e is KafkaException or ArgumentException or DllNotFoundException or InvalidOperationException)
        {
            LogControlTopicError(topic.Topic, "consumer not started: " + e.Message, _root);
            return;
        }

        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var record = consumer.Consume(stop);
                    if (record?.Message is { } message)
                    {
                        OnAnnouncement(topic.Topic, message.Value, record.TopicPartitionOffset);
                    }
                }
                catch (ConsumeException e)
                {
                    LogControlTopicError(topic.Topic, e.Error.Reason, _root);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            try
            {
                consumer.Close(); // leave the group now rather than after the session timeout
            }
            catch (KafkaException e)
            {
                LogControlTopicError(topic.Topic, "closing: " + e.Message, _root);
            }

            consumer.Dispose();
        }
    }

    private void OnAnnouncement(string topic, string? value, TopicPartitionOffset position)
    {
        if (!VersionAnnouncement.TryParse(value ?? "", _root, out var announcement, out var error))
        {
            LogBadAnnouncement(topic, position.ToString() ?? string.Create(CultureInfo.InvariantCulture, $"{position.Offset}"), error);
            return;
        }

        LogAnnounced(topic, announcement!.Version, announcement.Path);
        _announcements.Enqueue(announcement);
        RequestCheck();
    }
}
