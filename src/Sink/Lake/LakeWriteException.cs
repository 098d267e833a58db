namespace TokenClean.Sink.Lake;

/// <summary>
/// A data-lake write failed (disk full, permission denied, the root removed...). Nothing in the failed file was
/// committed or acknowledged; the sink is faulted: dispose it, reopen, and resume from its NextOffsets.
/// </summary>
public sealed class LakeWriteException : IOException
{
    public LakeWriteException()
    {
    }

    public LakeWriteException(string message)
        : base(message)
    {
    }

    public LakeWriteException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
