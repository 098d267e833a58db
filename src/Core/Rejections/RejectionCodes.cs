namespace TokenClean.Core.Rejections;

/// <summary>
/// The one table of dead-letter reason codes: each <see cref="RejectionReason"/>'s stable snake_case code and, for
/// one release, the older code it replaces. Codes are part of the output contract: add new ones, never rename one
/// without keeping the old one as an alias for a release (docs/OPERATIONS.md, "Dead-letter reason codes").
/// </summary>
public static class RejectionCodes
{
    // One row per reason, in enum order. Aliases: codes released before the vocabulary was unified (clean and the
    // scorer spelled four reasons differently from ingest); parsing accepts them and dead letters carry them in
    // legacy_reason until they are removed.
    private static readonly Entry[] Table =
    [
        new(RejectionReason.TooLarge, "too_large", null),
        new(RejectionReason.InvalidUtf8, "invalid_utf8", null),
        new(RejectionReason.MalformedJson, "malformed_json", null),
        new(RejectionReason.UnknownSchema, "unknown_schema", null),
        new(RejectionReason.MissingField, "missing_field", null),
        new(RejectionReason.WrongType, "wrong_type", null),
        new(RejectionReason.UnknownRole, "unknown_role", null),
        new(RejectionReason.NoAssistantTurn, "no_assistant_turn", null),
        new(RejectionReason.EmptyResponse, "empty_response", null),
        new(RejectionReason.EmptySample, "empty_sample", null),
        new(RejectionReason.TokenOutOfVocabulary, "token_out_of_vocabulary", "id_out_of_vocab"),
        new(RejectionReason.LabelsLengthMismatch, "labels_length_mismatch", "length_mismatch"),
        new(RejectionReason.InvalidLabel, "invalid_label", "label_mismatch"),
        new(RejectionReason.TooManyTokens, "too_many_tokens", "too_long"),
        new(RejectionReason.TemplateError, "template_error", null),
        new(RejectionReason.ReservedTextInContent, "reserved_text_in_content", null),
        new(RejectionReason.NoResponseTokens, "no_response_tokens", null),
        new(RejectionReason.NoChatTemplate, "no_chat_template", null),
        new(RejectionReason.EmptyMessage, "empty_message", null),
        new(RejectionReason.ScoringFailed, "scoring_failed", null),
        new(RejectionReason.InternalError, "internal_error", null),
    ];

    /// <summary>Every reason with its code and its alias (null when it has none), in table order.</summary>
    public static IReadOnlyList<(RejectionReason Reason, string Code, string? Alias)> All { get; } =
        Array.ConvertAll(Table, e => (e.Reason, e.Code, e.Alias));

    /// <summary>The stable snake_case code of <paramref name="reason"/>, e.g. <c>malformed_json</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined reason.</exception>
    public static string Code(this RejectionReason reason) => Find(reason).Code;

    /// <summary>
    /// The code this reason was released under before (e.g. <c>too_long</c> for <see cref="RejectionReason.TooManyTokens"/>),
    /// or null. Kept for one release so consumers filtering on it keep working.
    /// </summary>
    public static string? LegacyCode(this RejectionReason reason) => Find(reason).Alias;

    /// <summary>Parses a code, or an alias of one (<c>too_long</c> → <see cref="RejectionReason.TooManyTokens"/>).</summary>
    public static bool TryParse(string? code, out RejectionReason reason)
    {
        foreach (var e in Table)
        {
            if (string.Equals(e.Code, code, StringComparison.Ordinal) || (e.Alias is not null && string.Equals(e.Alias, code, StringComparison.Ordinal)))
            {
                reason = e.Reason;
                return true;
            }
        }

        reason = default;
        return false;
    }

    private static Entry Find(RejectionReason reason)
    {
        var i = (int)reason - 1;
        if ((uint)i < (uint)Table.Length && Table[i].Reason == reason)
        {
            return Table[i];
        }

        throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown rejection reason");
    }

    private readonly record struct Entry(RejectionReason Reason, string Code, string? Alias);
}
