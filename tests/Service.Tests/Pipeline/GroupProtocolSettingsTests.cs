using System.CommandLine;
using Confluent.Kafka;
using TokenClean.Cli;
using TokenClean.Ingest.Kafka;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>
/// Kafka:GroupProtocol (--group-protocol): classic by default, KIP-848's consumer on request, and the librdkafka
/// settings the consumer protocol forbids refused at start with the key named (librdkafka itself would throw at Build()).
/// </summary>
public sealed class GroupProtocolSettingsTests
{
    [Fact]
    public void Default_IsClassic_WithCooperativeStickyAssignment()
    {
        var settings = Settings();
        Assert.Equal("classic", settings.Kafka.GroupProtocol);
        var config = KafkaConsumerSettings.Create(settings);
        Assert.Equal(PartitionAssignmentStrategy.CooperativeSticky, config.PartitionAssignmentStrategy);
        Assert.Null(config.GroupProtocol);
        Assert.DoesNotContain(ServeSettingsValidator.Check(settings), e => e.Contains("Kafka:", StringComparison.Ordinal));
    }

    [Fact]
    public void Consumer_SetsGroupProtocolAndNoAssignor_AndTheConsumerBuilds()
    {
        var settings = Settings("consumer");
        Assert.DoesNotContain(ServeSettingsValidator.Check(settings), e => e.Contains("Kafka:", StringComparison.Ordinal));
        var config = KafkaConsumerSettings.Create(settings);
        Assert.Equal(GroupProtocol.Consumer, config.GroupProtocol);
        Assert.Null(config.PartitionAssignmentStrategy);
        Assert.Null(config.SessionTimeoutMs);

        KafkaNative.EnsureLoaded();
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        Assert.NotNull(consumer.Name);
    }

    [Theory]
    [InlineData("session.timeout.ms", "6000")]
    [InlineData("heartbeat.interval.ms", "500")]
    [InlineData("partition.assignment.strategy", "range")]
    public void Consumer_WithAClassicOnlySetting_IsRefusedNamingTheKey_AsLibrdkafkaWould(string key, string value)
    {
        var settings = Settings("consumer");
        settings.Kafka.Properties[key] = value;

        var errors = ServeSettingsValidator.Check(settings);
        Assert.Contains(errors, e => e.StartsWith($"TokenClean:Kafka:Properties:{key} cannot be set with Kafka:GroupProtocol=consumer", StringComparison.Ordinal));

        // The reason: librdkafka refuses the combination when the consumer is built.
        KafkaNative.EnsureLoaded();
        var config = KafkaConsumerSettings.Create(settings);
        var e = Assert.ThrowsAny<Exception>(() => new ConsumerBuilder<byte[]?, byte[]?>(config).Build().Dispose());
        Assert.Contains(key, e.Message, StringComparison.Ordinal);

        // The classic protocol takes it.
        settings.Kafka.GroupProtocol = "classic";
        Assert.DoesNotContain(ServeSettingsValidator.Check(settings), x => x.Contains("Kafka:", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownProtocol_AndGroupProtocolAsAProperty_AreRefused()
    {
        var errors = ServeSettingsValidator.Check(Settings("cooperative"));
        Assert.Contains(errors, e => e.StartsWith("TokenClean:Kafka:GroupProtocol must be 'classic' or 'consumer'", StringComparison.Ordinal));

        var settings = Settings();
        settings.Kafka.Properties["group.protocol"] = "consumer";
        Assert.Contains(ServeSettingsValidator.Check(settings), e => e.StartsWith("TokenClean:Kafka:Properties:group.protocol: set the group protocol with Kafka:GroupProtocol", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_GroupProtocolFlag_IsBoundToTheKey()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CommandLine.Build()
            .Parse(["serve", "--kafka", "k:9092", "--topics", "in", "--group-protocol", "consumer", "--kafka-property", "session.timeout.ms=6000"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(2, exit);
        Assert.Contains("TokenClean:Kafka:Properties:session.timeout.ms cannot be set with Kafka:GroupProtocol=consumer", error.ToString(), StringComparison.Ordinal);
    }

    private static ServeSettings Settings(string protocol = "classic") => new()
    {
        Kafka = { BootstrapServers = "127.0.0.1:1", Topics = "in", GroupProtocol = protocol },
    };
}
