namespace TokenClean.Ingest.Samples;

/// <summary>A sample that cannot be used: a machine-readable reason and a message for people.</summary>
/// <param name="Reason">The reason; its <see cref="Code"/> is what the dead-letter record carries.</param>
/// <param name="Message">What exactly was wrong (field name, position, limit).</param>
public sealed record SampleRejection(RejectionReason Reason, string Message)
{
    /// <summary>The stable snake_case code of <see cref="Reason"/>.</summary>
    public string Code => Reason.Code();

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}
