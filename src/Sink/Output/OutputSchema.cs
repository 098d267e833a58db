using TokenClean.Sink.Arrow;

namespace TokenClean.Sink.Output;

/// <summary>The Arrow schema of <see cref="OutputRecord"/>: column order and types in one place.</summary>
public static class OutputSchema
{
    public const int SampleId = 0;
    public const int SourceTopic = 1;
    public const int SourcePartition = 2;
    public const int SourceOffset = 3;
    public const int InputIds = 4;
    public const int Labels = 5;
    public const int Influence = 6;
    public const int ResponseTokens = 7;
    public const int KeptTokens = 8;
    public const int RefModelVersion = 9;
    public const int BaseModel = 10;
    public const int Threshold = 11;
    public const int ScoredAt = 12;

    public static ArrowSchema Create(OutputMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new ArrowSchema(
        [
            new("sample_id", ArrowType.Utf8, Nullable: false),
            new("source_topic", ArrowType.Utf8, Nullable: true),
            new("source_partition", ArrowType.Int32, Nullable: true),
            new("source_offset", ArrowType.Int64, Nullable: true),
            new("input_ids", ArrowType.ListOf(ArrowType.Int32), Nullable: false),
            new("labels", ArrowType.ListOf(ArrowType.Int32), Nullable: false),
            new("influence", ArrowType.ListOf(ArrowType.Float32), Nullable: false),
            new("response_tokens", ArrowType.Int32, Nullable: false),
            new("kept_tokens", ArrowType.Int32, Nullable: false),
            new("ref_model_version", ArrowType.Utf8, Nullable: false),
            new("base_model", ArrowType.Utf8, Nullable: false),
            new("threshold", ArrowType.Float32, Nullable: false),
            new("scored_at", ArrowType.TimestampMillisecondsUtc, Nullable: false),
        ],
        metadata.ToKeyValues());
    }
}
