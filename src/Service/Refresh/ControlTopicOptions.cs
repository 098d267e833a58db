namespace TokenClean.Service.Refresh;

/// <summary>
/// A Kafka topic on which a trainer announces new reference checkpoints, as JSON
/// <c>{"version": "step-000200", "path": "/checkpoints/step-000200"}</c> (either field may be left out: the path
/// defaults to <c>&lt;root&gt;/&lt;version&gt;</c>, the version to the path's directory name).
/// </summary>
public sealed record ControlTopicOptions
{
    public required string BootstrapServers { get; init; }

    public required string Topic { get; init; }

    /// <summary>
    /// Consumer group. Null (the default) = a group of its own per process, so every replica sees every
    /// announcement, read from the start of the topic (older versions than the serving one are ignored anyway).
    /// </summary>
    public string? GroupId { get; init; }

    /// <summary>
    /// librdkafka settings passed through to the consumer (SASL/SSL: <c>security.protocol</c>, <c>sasl.mechanism</c>, ...);
    /// the group, offset reset and session timeout above win over the same keys here.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    /// <summary>Kafka session timeout of the consumer.</summary>
    public int SessionTimeoutMs { get; init; } = 10_000;
}
