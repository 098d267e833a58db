using TokenClean.Core.Rejections;
using TokenClean.Core.Samples;

namespace TokenClean.Service.Cleaning;

/// <summary>What one input line became: a sample to score, or the reason it cannot be one.</summary>
internal readonly record struct ParsedLine(TokenizedSample? Sample, SampleRejection? Rejection, string? SampleId)
{
    public static ParsedLine Ok(TokenizedSample sample) => new(sample, null, sample.Id);

    public static ParsedLine Reject(SampleRejection rejection) => new(null, rejection, rejection.SampleId);
}
