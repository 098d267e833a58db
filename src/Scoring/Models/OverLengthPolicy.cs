namespace TokenClean.Scoring.Models;

/// <summary>What to do with a sample longer than the model's context.</summary>
public enum OverLengthPolicy
{
    /// <summary>Throw <see cref="SampleRejectedException"/> with <see cref="SampleRejection.TooLong"/>.</summary>
    Reject,

    /// <summary>Score the first MaxSequenceLength tokens; later positions get NaN.</summary>
    Truncate,
}
