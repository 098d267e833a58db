using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Pipeline;

/// <summary>The tokenize step's result: the sample to score, or the rejection that sends the record to the dead letters.</summary>
/// <param name="Record">The consumed record (position, generation, raw bytes for a dead letter).</param>
/// <param name="SampleId">The input's id when it could be read (also for rejections).</param>
/// <param name="Sample">Ids and response mask; null when rejected.</param>
/// <param name="Rejection">Why it cannot be scored; null when <paramref name="Sample"/> is set.</param>
internal sealed record TokenizedRecord(ConsumedRecord Record, string? SampleId, TokenizedSample? Sample, SampleRejection? Rejection)
{
    /// <summary>Tokens the record adds to a batch (0 for a rejection).</summary>
    public int Tokens => Sample?.Length ?? 0;
}
