namespace TokenClean.Scoring.Models;

/// <summary>A sample in a scoring call is invalid; nothing in the call was scored.</summary>
public sealed class SampleRejectedException : ArgumentException
{
    public SampleRejectedException(int sampleIndex, SampleRejection reason, string message)
        : base($"sample {sampleIndex}: {message}")
    {
        SampleIndex = sampleIndex;
        Reason = reason;
    }

    public SampleRejectedException() : base("sample rejected") { }

    public SampleRejectedException(string message) : base(message) { }

    public SampleRejectedException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Index of the offending sample in the call's list.</summary>
    public int SampleIndex { get; }

    public SampleRejection Reason { get; }
}
