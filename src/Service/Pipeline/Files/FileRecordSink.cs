using TokenClean.Sink.Output;
using System.Text.Unicode;
using TokenClean.Scoring.Influence;
using TokenClean.Service.Cleaning;
using OutputRecord = TokenClean.Sink.Output.OutputRecord;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// The sink of <c>clean</c>: rows to the output writer, rejections to the dead-letter file (with their 1-based line
/// number), and the run's counters. Nothing is committed here: the run commits both files once the graph completed.
/// </summary>
/// <remarks>Called by the graph's sink step only (one batch at a time); the counters are read for progress lines.</remarks>
internal sealed class FileRecordSink(IOutputRecordWriter writer, DeadLetterWriter deadLetters, string source, OutputMetadata metadata, CleanSummary summary)
{
    public void Write(IReadOnlyList<FinishedRecord> records)
    {
        foreach (var record in records)
        {
            if (record.Rejection is { } rejection)
            {
                var raw = record.Record.Value ?? [];
                deadLetters.Write(source, record.Record.Position.Offset + 1, rejection, record.SampleId, raw, Utf8.IsValid(raw));
                summary.Rejected++;
                continue;
            }

            var selected = record.Selected!;
            var scored = selected.Scored;
            writer.Write(OutputRecord.From(selected, source: null, metadata.BaseModel!, metadata.RefModelVersion!, record.Scored.ScoredAt, metadata.EmitLosses));
            summary.Written++;
            summary.ScoredTokens += scored.Sample.Length;
            summary.ResponseTokens += scored.ResponseTokens;
            summary.KeptTokens += selected.KeptTokens;
            AddInfluence(scored.Influence, selected.Labels, summary);
            if (!float.IsNaN(selected.Threshold))
            {
                summary.ThresholdMin = float.IsNaN(summary.ThresholdMin) ? selected.Threshold : Math.Min(summary.ThresholdMin, selected.Threshold);
                summary.ThresholdMax = float.IsNaN(summary.ThresholdMax) ? selected.Threshold : Math.Max(summary.ThresholdMax, selected.Threshold);
            }
        }
    }

    private static void AddInfluence(float[] influence, int[] labels, CleanSummary summary)
    {
        double all = 0, kept = 0;
        for (var j = 0; j < influence.Length; j++)
        {
            var s = influence[j];
            if (float.IsFinite(s))
            {
                all += s;
                if (labels[j] != Core.Samples.TokenizedSample.IgnoreLabel)
                {
                    kept += s;
                }
            }
        }

        summary.InfluenceSum += all;
        summary.KeptInfluenceSum += kept;
    }
}
