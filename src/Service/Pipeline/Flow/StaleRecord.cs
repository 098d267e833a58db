using TokenClean.Core.Rejections;

namespace TokenClean.Service.Pipeline;

/// <summary>
/// What a record carries when its partition's generation ended before it was scored (revoked, lost, or the lake
/// reopened). Never written anywhere: the sink drops records of ended generations, and the partition's next owner
/// writes them. Compared by reference.
/// </summary>
internal static class StaleRecord
{
    public static readonly SampleRejection Rejection = new(RejectionReason.InternalError, "revoked before scoring");
}
