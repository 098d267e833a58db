namespace TokenClean.Ingest.Samples;

/// <summary>The stable string codes of <see cref="RejectionReason"/>.</summary>
public static class RejectionReasons
{
    /// <summary>The snake_case code of <paramref name="reason"/>, e.g. <c>malformed_json</c>.</summary>
    public static string Code(this RejectionReason reason) => reason switch
    {
        RejectionReason.TooLarge => "too_large",
        RejectionReason.InvalidUtf8 => "invalid_utf8",
        RejectionReason.MalformedJson => "malformed_json",
        RejectionReason.UnknownSchema => "unknown_schema",
        RejectionReason.MissingField => "missing_field",
        RejectionReason.WrongType => "wrong_type",
        RejectionReason.UnknownRole => "unknown_role",
        RejectionReason.NoAssistantTurn => "no_assistant_turn",
        RejectionReason.EmptyResponse => "empty_response",
        RejectionReason.EmptySample => "empty_sample",
        RejectionReason.TokenOutOfVocabulary => "token_out_of_vocabulary",
        RejectionReason.LabelsLengthMismatch => "labels_length_mismatch",
        RejectionReason.InvalidLabel => "invalid_label",
        RejectionReason.TooManyTokens => "too_many_tokens",
        RejectionReason.TemplateError => "template_error",
        RejectionReason.ReservedTextInContent => "reserved_text_in_content",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown rejection reason"),
    };

    /// <summary>Parses a code written by <see cref="Code"/>.</summary>
    public static bool TryParse(string code, out RejectionReason reason)
    {
        foreach (var r in Enum.GetValues<RejectionReason>())
        {
            if (string.Equals(r.Code(), code, StringComparison.Ordinal))
            {
                reason = r;
                return true;
            }
        }

        reason = default;
        return false;
    }
}
