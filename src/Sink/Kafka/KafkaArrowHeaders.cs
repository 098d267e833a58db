namespace TokenClean.Sink.Kafka;

/// <summary>Header names of the messages <see cref="KafkaArrowSink"/> publishes. Values are UTF-8 text.</summary>
public static class KafkaArrowHeaders
{
    /// <summary>The media type of an Arrow IPC stream: the value is a complete stream (schema, one batch, end marker).</summary>
    public const string ContentType = "content-type";

    public const string ContentTypeValue = "application/vnd.apache.arrow.stream";

    /// <summary>The output schema's version (<c>OutputMetadata.SchemaVersion</c>).</summary>
    public const string SchemaVersion = "tokenclean.schema_version";

    public const string SourceTopic = "tokenclean.source_topic";

    /// <summary>Absent for file input.</summary>
    public const string SourcePartition = "tokenclean.source_partition";

    public const string FirstOffset = "tokenclean.source_first_offset";

    public const string LastOffset = "tokenclean.source_last_offset";

    public const string RecordCount = "tokenclean.record_count";
}
