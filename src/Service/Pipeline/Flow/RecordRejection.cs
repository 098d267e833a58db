namespace TokenClean.Service.Pipeline;

/// <summary>Why a record goes to the dead letters instead of the output: a stable reason code and a message.</summary>
internal sealed record RecordRejection(string Code, string Message)
{
    /// <summary>The record's partition was revoked before it was scored; the sink drops it (the new owner writes it).</summary>
    public static readonly RecordRejection Stale = new("stale", "revoked before scoring");
}
