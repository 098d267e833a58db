using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;
using TokenClean.Core.Sources;
using TokenClean.Scoring.Selection;
using TokenClean.Service.Pipeline;

namespace TokenClean.Service.Tests.Pipeline;

/// <summary>Finished records as the select step hands them to the sink, and the owner's use of the sink's reports.</summary>
internal static class FinishedRecords
{
    public static FinishedRecord Rejected(SourcePartition partition, long offset, int generation, byte[]? value = null, RejectionReason reason = RejectionReason.MalformedJson)
    {
        var consumed = new ConsumedRecord(partition.At(offset), generation, value ?? [1], null);
        var tokenized = new TokenizedRecord(consumed, null, null, new SampleRejection(reason, "bad"));
        return new FinishedRecord(new ScoredRecord(tokenized, null, tokenized.Rejection, "ref", DateTimeOffset.UnixEpoch), null);
    }

    public static FinishedRecord Selected(SourcePartition partition, long offset, int generation, SelectedSample selected, string referenceVersion = "ref")
    {
        var consumed = new ConsumedRecord(partition.At(offset), generation, [1], null);
        var tokenized = new TokenizedRecord(consumed, selected.Scored.Sample.Id, selected.Scored.Sample, null);
        return new FinishedRecord(new ScoredRecord(tokenized, selected.Scored, null, referenceVersion, DateTimeOffset.UnixEpoch), selected);
    }

    /// <summary>Applies the sink's durable-offset reports to <paramref name="tracker"/>, as the partition owner does on its thread.</summary>
    public static void ApplyTo(this SinkReports reports, OffsetTracker tracker)
    {
        while (reports.TryTake(out var report))
        {
            if (report is OffsetsDurable durable)
            {
                foreach (var offset in durable.Offsets)
                {
                    tracker.Done(durable.Partition, offset);
                }
            }
        }
    }
}
