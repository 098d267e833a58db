namespace TokenClean.Scoring.Models;

/// <summary>Machine-readable reason a sample cannot be scored (for dead-letter records).</summary>
public enum SampleRejection
{
    /// <summary>No tokens.</summary>
    Empty,

    /// <summary>A token id is negative or not below the vocabulary size.</summary>
    TokenOutOfVocabulary,

    /// <summary>Longer than the model's context under <see cref="OverLengthPolicy.Reject"/>.</summary>
    TooLong,

    /// <summary>The loss mask's length differs from the sample's.</summary>
    MaskLengthMismatch,
}
