using Apache.Arrow;
using Apache.Arrow.Types;

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

    /// <summary>Index of <c>base_loss</c> in a schema made with <c>withLosses</c>; <c>ref_loss</c> follows.</summary>
    public const int BaseLoss = 13;

    public const int RefLoss = 14;

    /// <summary>Name of the optional per-token soft-weight column (list&lt;float32&gt;), last in the schema when present.</summary>
    public const string SoftWeightName = "soft_weight";

    /// <summary>
    /// The output schema with <paramref name="metadata"/>; <paramref name="withLosses"/> adds <c>base_loss</c> and
    /// <c>ref_loss</c> (<c>clean --emit-losses</c>); <see cref="OutputMetadata.SoftWeights"/> adds <c>soft_weight</c> after them.
    /// </summary>
    public static Schema Create(OutputMetadata metadata, bool withLosses = false)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var builder = new Schema.Builder()
            .Field(new Field("sample_id", StringType.Default, nullable: false))
            .Field(new Field("source_topic", StringType.Default, nullable: true))
            .Field(new Field("source_partition", Int32Type.Default, nullable: true))
            .Field(new Field("source_offset", Int64Type.Default, nullable: true))
            .Field(new Field("input_ids", new ListType(Int32Type.Default), nullable: false))
            .Field(new Field("labels", new ListType(Int32Type.Default), nullable: false))
            .Field(new Field("influence", new ListType(FloatType.Default), nullable: false))
            .Field(new Field("response_tokens", Int32Type.Default, nullable: false))
            .Field(new Field("kept_tokens", Int32Type.Default, nullable: false))
            .Field(new Field("ref_model_version", StringType.Default, nullable: false))
            .Field(new Field("base_model", StringType.Default, nullable: false))
            .Field(new Field("threshold", FloatType.Default, nullable: false))
            .Field(new Field("scored_at", new TimestampType(TimeUnit.Millisecond, "UTC"), nullable: false));
        if (withLosses)
        {
            builder
                .Field(new Field("base_loss", new ListType(FloatType.Default), nullable: false))
                .Field(new Field("ref_loss", new ListType(FloatType.Default), nullable: false));
        }

        if (metadata.SoftWeights)
        {
            builder.Field(new Field(SoftWeightName, new ListType(FloatType.Default), nullable: false));
        }

        foreach (var (key, value) in metadata.ToKeyValues())
        {
            builder.Metadata(key, value);
        }

        return builder.Build();
    }

    /// <summary>Whether <paramref name="schema"/> has the loss columns.</summary>
    public static bool HasLosses(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.FieldsList.Count > RefLoss && schema.FieldsList[BaseLoss].Name == "base_loss";
    }

    /// <summary>Index of the <c>soft_weight</c> column, or -1 when the schema has none.</summary>
    public static int SoftWeightIndex(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return schema.GetFieldIndex(SoftWeightName);
    }
}
