namespace TokenClean.Scoring.Influence;

/// <summary>
/// The stable reason codes written to dead letters. Codes are part of the output contract: add new ones, never
/// rename one.
/// </summary>
public static class RejectionReasons
{
    /// <summary>The line is not valid UTF-8.</summary>
    public const string InvalidUtf8 = "invalid_utf8";

    /// <summary>The line is not a JSON object.</summary>
    public const string MalformedJson = "malformed_json";

    /// <summary>A required field is absent.</summary>
    public const string MissingField = "missing_field";

    /// <summary>A field has the wrong JSON type (e.g. a string where token ids belong).</summary>
    public const string WrongType = "wrong_type";

    /// <summary><c>labels</c> and <c>input_ids</c> differ in length.</summary>
    public const string LengthMismatch = "length_mismatch";

    /// <summary>A label is neither -100 nor the token id at its position.</summary>
    public const string LabelMismatch = "label_mismatch";

    /// <summary>A token id is negative or not below the models' vocabulary size.</summary>
    public const string IdOutOfVocab = "id_out_of_vocab";

    /// <summary>The sample has no token at all.</summary>
    public const string EmptySample = "empty_sample";

    /// <summary>The sample has no scorable response token (none, or only at position 0).</summary>
    public const string NoResponseTokens = "no_response_tokens";

    /// <summary>The sample is longer than the maximum length (the models' context or <c>--max-length</c>).</summary>
    public const string TooLong = "too_long";
}
