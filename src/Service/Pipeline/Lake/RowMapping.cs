using TokenClean.Core.Sources;
using TokenClean.Sink.Lake;
using TokenClean.Sink.Output;

namespace TokenClean.Service.Pipeline;

/// <summary>From the pipeline's finished record to the sink library's types (the only place that maps them).</summary>
internal static class RowMapping
{
    public static LakeSource ToLake(SourcePartition partition) =>
        partition.Partition is { } p ? LakeSource.Kafka(partition.Topic, p) : LakeSource.InputFile(partition.Topic);

    public static OutputRecord ToOutputRecord(FinishedRecord record, string baseModel)
    {
        var position = record.Record.Position;
        var selected = record.Selected!;
        var scored = selected.Scored;
        return new OutputRecord
        {
            SampleId = scored.Sample.Id,
            SourceTopic = position.Source.Topic,
            SourcePartition = position.Source.Partition,
            SourceOffset = position.Offset,
            InputIds = scored.Sample.InputIds,
            Labels = selected.Labels,
            Influence = scored.Influence,
            ResponseTokens = scored.ResponseTokens,
            KeptTokens = selected.KeptTokens,
            RefModelVersion = record.Scored.ReferenceVersion,
            BaseModel = baseModel,
            Threshold = selected.Threshold,
            ScoredAt = record.Scored.ScoredAt,
        };
    }
}
