using TokenClean.Scoring.Influence;
using TokenClean.Scoring.Selection;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// A record on its way through the blocks. Each block fills in its part: tokenize sets <see cref="Sample"/> or a
/// rejection, the scorer sets <see cref="Scored"/> (or rejects), the selector sets <see cref="Selected"/>. Only one
/// block touches an item at a time (dataflow hand-over), so the fields need no locking.
/// </summary>
internal sealed class PipelineItem(InputRecord record)
{
    public InputRecord Record { get; } = record;

    public TokenizedSample? Sample { get; set; }

    /// <summary>The input's id when known (also for rejections).</summary>
    public string? SampleId { get; set; }

    /// <summary>Why the record is a dead letter (null when it is not one).</summary>
    public SampleRejection? Rejection { get; private set; }

    /// <summary>The record's partition was revoked before it was scored: the sink drops it.</summary>
    public bool IsStale { get; private set; }

    public ScoredSample? Scored { get; set; }

    public SelectedSample? Selected { get; set; }

    public string? ReferenceVersion { get; set; }

    public DateTimeOffset ScoredAt { get; set; }

    /// <summary>True when the record will not become a row: a dead letter, or stale.</summary>
    public bool IsRejected => Rejection is not null || IsStale;

    public void Reject(RejectionReason reason, string message) => Reject(new SampleRejection(reason, message));

    public void Reject(SampleRejection rejection)
    {
        Rejection = rejection;
        SampleId ??= rejection.SampleId;
        Sample = null;
        Scored = null;
    }

    public void MarkStale()
    {
        IsStale = true;
        Sample = null;
        Scored = null;
    }
}
