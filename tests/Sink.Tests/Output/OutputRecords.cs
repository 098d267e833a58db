using TokenClean.Core.Samples;
using TokenClean.Sink.Output;

namespace TokenClean.Sink.Tests.Output;

/// <summary>Deterministic output records: every value derives from the source offset, so a reader can check it.</summary>
internal static class OutputRecords
{
    public static readonly OutputMetadata Metadata = new("qwen3", "sha256:abc", "global-topk", 0.6, "0.1.0-test");

    public static readonly DateTimeOffset ScoredAt = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    public static OutputRecord Kafka(string topic, int partition, long offset, int tokens = 8)
    {
        var ids = new int[tokens];
        var labels = new int[tokens];
        var influence = new float[tokens];
        var prompt = tokens / 2;
        for (var i = 0; i < tokens; i++)
        {
            ids[i] = (int)((offset * 31 + i) % 150_000);
            var kept = i >= prompt && i % 3 != 0;
            labels[i] = kept ? ids[i] : TokenizedSample.IgnoreLabel;
            influence[i] = i < prompt ? float.NaN : (i - prompt) * 0.25f - 0.5f;
        }

        return new OutputRecord
        {
            SampleId = $"{topic}-{partition}-{offset}",
            SourceTopic = topic,
            SourcePartition = partition,
            SourceOffset = offset,
            InputIds = ids,
            Labels = labels,
            Influence = influence,
            ResponseTokens = tokens - prompt,
            KeptTokens = labels.Count(l => l != TokenizedSample.IgnoreLabel),
            RefModelVersion = "ref-v" + (offset % 3),
            BaseModel = "base",
            Threshold = -0.25f,
            ScoredAt = ScoredAt.AddMilliseconds(offset),
        };
    }

    public static OutputRecord File(long line) => Kafka("unused", 0, line) is var r
        ? new OutputRecord
        {
            SampleId = "line-" + line,
            InputIds = r.InputIds,
            Labels = r.Labels,
            Influence = r.Influence,
            ResponseTokens = r.ResponseTokens,
            KeptTokens = r.KeptTokens,
            RefModelVersion = r.RefModelVersion,
            BaseModel = r.BaseModel,
            Threshold = r.Threshold,
            ScoredAt = r.ScoredAt,
        }
        : throw new InvalidOperationException();
}
