using TokenClean.Scoring.Influence;
using TokenClean.Scoring.Selection;
using TokenClean.Core.Samples;

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

    public string? RejectCode { get; private set; }

    public string? RejectMessage { get; private set; }

    public ScoredSample? Scored { get; set; }

    public SelectedSample? Selected { get; set; }

    public string? ReferenceVersion { get; set; }

    public DateTimeOffset ScoredAt { get; set; }

    public bool IsRejected => RejectCode is not null;

    public void Reject(string code, string message)
    {
        RejectCode = code;
        RejectMessage = message;
        Sample = null;
        Scored = null;
    }
}
