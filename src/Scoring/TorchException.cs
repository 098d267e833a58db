namespace TokenClean.Scoring;

/// <summary>libtorch could not do what was asked (an unusable device, or the native library failed to load).</summary>
public sealed class TorchException : Exception
{
    public TorchException()
    {
    }

    public TorchException(string message)
        : base(message)
    {
    }

    public TorchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
