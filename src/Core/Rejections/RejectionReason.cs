namespace TokenClean.Core.Rejections;

/// <summary>
/// Why a sample became a dead letter. Each value has one stable snake_case code in <see cref="RejectionCodes"/>,
/// the one table of codes (docs/OPERATIONS.md, "Dead-letter reason codes", lists exactly those).
/// </summary>
public enum RejectionReason
{
    /// <summary><c>too_large</c>: the raw message is over the byte limit (checked before parsing).</summary>
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

    /// <summary>
    /// <c>token_out_of_vocabulary</c>: a token id outside [0, vocabulary size) of the tokenizer or the models
    /// (formerly also <c>id_out_of_vocab</c>).
    /// </summary>
    TokenOutOfVocabulary,

    /// <summary><c>labels_length_mismatch</c>: labels and input_ids have different lengths (formerly also <c>length_mismatch</c>).</summary>
    LabelsLengthMismatch,

    /// <summary><c>invalid_label</c>: a label that is neither -100 nor the input id at its position (formerly also <c>label_mismatch</c>).</summary>
    InvalidLabel,

    /// <summary>
    /// <c>too_many_tokens</c>: longer than the token limit (the ingest limit under the reject policy, <c>--max-length</c>,
    /// or the models' context; formerly also <c>too_long</c>), or no response token left after truncation.
    /// </summary>
    TooManyTokens,

    /// <summary><c>template_error</c>: the chat template refused the conversation (raise_exception) or failed.</summary>
    TemplateError,

    /// <summary><c>reserved_text_in_content</c>: message text contains the template's end-of-turn marker.</summary>
    ReservedTextInContent,

    /// <summary><c>no_response_tokens</c>: no response token the scorer can score (none, or only at position 0).</summary>
    NoResponseTokens,

    /// <summary><c>no_chat_template</c>: a conversation to clean, but the tokenizer has no chat template.</summary>
    NoChatTemplate,

    /// <summary><c>empty_message</c>: a Kafka record without a value (a tombstone).</summary>
    EmptyMessage,

    /// <summary><c>scoring_failed</c>: the models failed on this sample alone (after the batch was retried one by one).</summary>
    ScoringFailed,

    /// <summary><c>internal_error</c>: a bug turned this record into a dead letter instead of stopping the stream.</summary>
    InternalError,
}
