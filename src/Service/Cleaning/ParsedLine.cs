using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Cleaning;

/// <summary>What one input line became: a sample to score, or the reason it cannot be one.</summary>
internal readonly record struct ParsedLine(TokenizedSample? Sample, SampleRejection? Rejection, string? SampleId)
{
    public static ParsedLine Ok(TokenizedSample sample) => new(sample, null, sample.Id);

    public static ParsedLine Reject(RejectionReason reason, string message, string? sampleId = null) =>
        new(null, new SampleRejection(reason, message), sampleId);
}
