namespace TokenClean.Service.Pipeline;

/// <summary>
/// Header names of a dead-letter message, after Kafka Connect's <c>__connect.errors.*</c> headers. The message
/// value is the original record's bytes; the original headers are kept and these are added (UTF-8 text).
/// </summary>
internal static class DeadLetterHeaders
{
    public const string Reason = "tokenclean.errors.reason";

    /// <summary>For one release: the code a renamed reason had before (docs/OPERATIONS.md, "Dead-letter reason codes").</summary>
    public const string LegacyReason = "tokenclean.errors.legacy_reason";
    public const string Message = "tokenclean.errors.message";
    public const string Topic = "tokenclean.errors.topic";
    public const string Partition = "tokenclean.errors.partition";
    public const string Offset = "tokenclean.errors.offset";
    public const string SampleId = "tokenclean.errors.sample_id";
}
