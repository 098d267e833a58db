namespace TokenClean.Ingest.Samples;

/// <summary>
/// Why a sample was rejected. Each value has a stable snake_case code (<see cref="RejectionReasons.Code"/>) that the
/// dead-letter sink records; codes never change meaning once released (docs/INGEST.md lists them).
/// </summary>
public enum RejectionReason
{
    /// <summary><c>too_large</c>: the raw message is over <see cref="SampleOptions.MaxBytes"/> (checked before parsing).</summary>
    TooLarge = 1,

    /// <summary><c>invalid_utf8</c>: the bytes are not valid UTF-8, or a string escapes an unpaired surrogate.</summary>
    InvalidUtf8,

    /// <summary><c>malformed_json</c>: not one JSON value (syntax error, trailing data, nesting too deep, empty).</summary>
    MalformedJson,

    /// <summary><c>unknown_schema</c>: a JSON value that matches none of the accepted sample shapes.</summary>
    UnknownSchema,

    /// <summary><c>missing_field</c>: a field the schema requires is absent.</summary>
    MissingField,

    /// <summary><c>wrong_type</c>: a field has the wrong JSON type (e.g. content is a number).</summary>
    WrongType,

    /// <summary><c>unknown_role</c>: a message role outside system/user/assistant (or ShareGPT's system/human/gpt).</summary>
    UnknownRole,

    /// <summary><c>no_assistant_turn</c>: a conversation without any assistant turn: nothing to train on.</summary>
    NoAssistantTurn,

    /// <summary><c>empty_response</c>: an assistant turn that is empty or only whitespace, or no response token at all.</summary>
    EmptyResponse,

    /// <summary><c>empty_sample</c>: pre-tokenized input with no ids.</summary>
    EmptySample,

    /// <summary><c>token_out_of_vocabulary</c>: a pre-tokenized id outside [0, vocabulary size).</summary>
    TokenOutOfVocabulary,

    /// <summary><c>labels_length_mismatch</c>: labels and input_ids have different lengths.</summary>
    LabelsLengthMismatch,

    /// <summary><c>invalid_label</c>: a label that is neither -100 nor the input id at its position.</summary>
    InvalidLabel,

    /// <summary><c>too_many_tokens</c>: longer than <see cref="SampleOptions.MaxTokens"/> under the reject policy.</summary>
    TooManyTokens,

    /// <summary><c>template_error</c>: the chat template refused the conversation (raise_exception) or failed.</summary>
    TemplateError,

    /// <summary><c>reserved_text_in_content</c>: message text contains the template's end-of-turn marker.</summary>
    ReservedTextInContent,
}
