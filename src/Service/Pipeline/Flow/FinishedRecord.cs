using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;
using TokenClean.Scoring.Selection;

namespace TokenClean.Service.Pipeline;

/// <summary>What the sink writes for one record: its selected labels (a row), or its rejection (a dead letter).</summary>
/// <param name="Scored">The score step's result (position, sample id, reference version).</param>
/// <param name="Selected">Kept labels and threshold; null when rejected.</param>
internal sealed record FinishedRecord(ScoredRecord Scored, SelectedSample? Selected)
{
    public ConsumedRecord Record => Scored.Record;

    public string? SampleId => Scored.Input.SampleId;

    /// <summary>Null for a row; the reason for a dead letter.</summary>
    public SampleRejection? Rejection => Selected is null ? Scored.Rejection ?? StaleRecord.Rejection : null;
}
