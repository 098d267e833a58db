using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;
using TokenClean.Scoring.Influence;

namespace TokenClean.Service.Pipeline;

/// <summary>The score step's result for one record: its per-token influence, or a rejection.</summary>
/// <param name="Input">The tokenized record.</param>
/// <param name="Scored">Influence per response token; null when rejected (at tokenization, validation or scoring).</param>
/// <param name="Rejection">Why it has no score; null when <paramref name="Scored"/> is set.</param>
/// <param name="ReferenceVersion">The reference version of the scorer that handled the batch.</param>
/// <param name="ScoredAt">When that batch was scored.</param>
internal sealed record ScoredRecord(TokenizedRecord Input, ScoredSample? Scored, SampleRejection? Rejection, string ReferenceVersion, DateTimeOffset ScoredAt)
{
    public ConsumedRecord Record => Input.Record;
}
