namespace TokenClean.Core.Rejections;

/// <summary>A sample that cannot be used: a machine-readable reason and a message for people.</summary>
/// <param name="Reason">The reason; its <see cref="Code"/> is what the dead letter carries.</param>
/// <param name="Message">What exactly was wrong (field name, position, limit).</param>
/// <param name="SampleId">The sample's id once it was known (the input's <c>id</c> or the content hash); null when the
/// input failed before its id was read.</param>
public sealed record SampleRejection(RejectionReason Reason, string Message, string? SampleId = null)
{
    /// <summary>The stable snake_case code of <see cref="Reason"/>.</summary>
    public string Code => Reason.Code();

    /// <summary>The code this reason had in the previous release, when it was renamed (dead letters carry it for one release).</summary>
    public string? LegacyCode => Reason.LegacyCode();

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}
