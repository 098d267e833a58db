namespace TokenClean.Service.StreamTraining;

/// <summary>The Kafka output topic the trainer follows (serve's <c>--output-topic</c>).</summary>
public sealed record KafkaRowSourceOptions
{
    public required string BootstrapServers { get; init; }

    /// <summary>The output topic: one Arrow IPC stream (schema, one record batch) per message.</summary>
    public required string Topic { get; init; }

    /// <summary>The trainer's own consumer group; its committed offsets follow the published versions.</summary>
    public string GroupId { get; init; } = "tokenclean-trainer";

    /// <summary>librdkafka pass-through (SASL/SSL); the group and commit settings win over the same keys.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }
}
