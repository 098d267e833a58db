namespace TokenClean.Scoring.Checkpoints;

/// <summary>A checkpoint that cannot be used: unreadable, truncated, inconsistent, or not matching its architecture.</summary>
/// <remarks>The message names the file and, where one is at fault, the tensor.</remarks>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string message) : base(message) { }

    public CheckpointException(string message, Exception inner) : base(message, inner) { }

    public CheckpointException() : base("invalid checkpoint") { }
}
