namespace TokenClean.Ingest.Samples;

/// <summary>What happens to a sample with more tokens than <see cref="SampleOptions.MaxTokens"/>.</summary>
public enum OverLengthPolicy
{
    /// <summary>Dead-letter it with <c>too_many_tokens</c> (the default: nothing is silently cut).</summary>
    Reject = 0,

    /// <summary>Keep the first MaxTokens tokens (and their labels); rejected if no response token survives.</summary>
    Truncate,
}
