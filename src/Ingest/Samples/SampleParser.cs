using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Ingest.Samples;

/// <summary>
/// Turns one raw message (a Kafka value or a JSONL line, UTF-8) into a <see cref="ParsedSample"/> or a
/// <see cref="SampleRejection"/>. Never throws for any input bytes.
/// </summary>
/// <remarks>
/// Valid samples take no exception path. The JSON reader reports syntax errors only by throwing
/// <see cref="JsonException"/>; that is caught here and becomes <c>malformed_json</c>, so only bad input pays for it.
/// Schema detection, in order: <c>input_ids</c> → pre-tokenized; <c>messages</c>; <c>conversations</c> (ShareGPT);
/// <c>instruction</c> + <c>output</c> (Alpaca); <c>prompt</c> + <c>response</c>.
/// </remarks>
public static class SampleParser
{
    /// <summary>Parses and validates one sample.</summary>
    public static SampleResult<ParsedSample> Parse(ReadOnlySpan<byte> utf8, SampleOptions? options = null)
    {
        options ??= SampleOptions.Default;
        if (utf8.Length > options.MaxBytes)
        {
            return Reject(RejectionReason.TooLarge, $"{utf8.Length} bytes is over the limit of {options.MaxBytes}");
        }

        if (!Utf8.IsValid(utf8))
        {
            return Reject(RejectionReason.InvalidUtf8, "the message is not valid UTF-8");
        }

        var raw = utf8;
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = options.MaxJsonDepth });
            document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                document.Dispose();
                return Reject(RejectionReason.MalformedJson, "data after the JSON value");
            }
        }
        catch (JsonException e)
        {
            return Reject(RejectionReason.MalformedJson, e.Message);
        }

        using (document)
        {
            try
            {
                return ParseRoot(document.RootElement, raw);
            }
            catch (InvalidOperationException)
            {
                // JsonElement.GetString refuses escapes that decode to an unpaired surrogate.
                return Reject(RejectionReason.InvalidUtf8, "a string holds an unpaired UTF-16 surrogate escape");
            }
        }
    }

    private static SampleResult<ParsedSample> Reject(RejectionReason reason, string message) => SampleResult<ParsedSample>.Reject(reason, message);

    private static SampleResult<ParsedSample> ParseRoot(JsonElement root, ReadOnlySpan<byte> raw)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Reject(RejectionReason.UnknownSchema, $"a sample is a JSON object, got {Kind(root)}");
        }

        string id;
        if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
        {
            switch (idElement.ValueKind)
            {
                case JsonValueKind.String:
                    id = idElement.GetString()!;
                    break;
                case JsonValueKind.Number:
                    id = idElement.GetRawText();
                    break;
                default:
                    return Reject(RejectionReason.WrongType, $"'id' must be a string or a number, got {Kind(idElement)}");
            }
        }
        else
        {
            id = SampleIds.ContentHash(raw);
        }

        var result = ParseSchema(root, id);
        return result.IsSuccess ? result : SampleResult<ParsedSample>.Reject(result.Rejection with { SampleId = id });
    }

    private static SampleResult<ParsedSample> ParseSchema(JsonElement root, string id)
    {
        if (root.TryGetProperty("input_ids", out var ids))
        {
            return ParsePreTokenized(root, ids, id);
        }

        if (root.TryGetProperty("messages", out var messages))
        {
            return ParseMessages(messages, id, SampleFormat.Messages, "messages", "role", "content");
        }

        if (root.TryGetProperty("conversations", out var conversations))
        {
            return ParseMessages(conversations, id, SampleFormat.ShareGpt, "conversations", "from", "value");
        }

        if (root.TryGetProperty("instruction", out _) || root.TryGetProperty("output", out _))
        {
            return ParseAlpaca(root, id);
        }

        if (root.TryGetProperty("prompt", out _) || root.TryGetProperty("response", out _))
        {
            return ParsePromptResponse(root, id);
        }

        return Reject(RejectionReason.UnknownSchema, "expected one of: messages, conversations, prompt/response, instruction/output, input_ids");
    }

    private static SampleResult<ParsedSample> ParseMessages(JsonElement array, string id, SampleFormat format, string field, string roleField, string contentField)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            return Reject(RejectionReason.WrongType, $"'{field}' must be an array, got {Kind(array)}");
        }

        var list = new List<ChatMessage>(array.GetArrayLength());
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                return Reject(RejectionReason.WrongType, $"'{field}[{index}]' must be an object, got {Kind(item)}");
            }

            if (!item.TryGetProperty(roleField, out var roleElement))
            {
                return Reject(RejectionReason.MissingField, $"'{field}[{index}].{roleField}' is missing");
            }

            if (roleElement.ValueKind != JsonValueKind.String)
            {
                return Reject(RejectionReason.WrongType, $"'{field}[{index}].{roleField}' must be a string, got {Kind(roleElement)}");
            }

            if (!item.TryGetProperty(contentField, out var contentElement))
            {
                return Reject(RejectionReason.MissingField, $"'{field}[{index}].{contentField}' is missing");
            }

            if (contentElement.ValueKind != JsonValueKind.String)
            {
                return Reject(RejectionReason.WrongType, $"'{field}[{index}].{contentField}' must be a string, got {Kind(contentElement)}");
            }

            var rawRole = roleElement.GetString()!;
            var role = NormaliseRole(rawRole, format);
            if (role is null)
            {
                return Reject(RejectionReason.UnknownRole, $"'{field}[{index}].{roleField}' is '{Shorten(rawRole)}'");
            }

            list.Add(new ChatMessage(role, contentElement.GetString()!));
            index++;
        }

        return Conversation(id, format, list);
    }

    private static string? NormaliseRole(string role, SampleFormat format) => (format, role) switch
    {
        (_, "system") => ChatMessage.System,
        (_, "user") => ChatMessage.User,
        (_, "assistant") => ChatMessage.Assistant,
        (SampleFormat.ShareGpt, "human") => ChatMessage.User,
        (SampleFormat.ShareGpt, "gpt") => ChatMessage.Assistant,
        _ => null,
    };

    private static SampleResult<ParsedSample> Conversation(string id, SampleFormat format, List<ChatMessage> messages)
    {
        var hasAssistant = false;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role != ChatMessage.Assistant)
            {
                continue;
            }

            hasAssistant = true;
            if (string.IsNullOrWhiteSpace(messages[i].Content))
            {
                return Reject(RejectionReason.EmptyResponse, $"assistant turn {i} is empty");
            }
        }

        return hasAssistant
            ? SampleResult<ParsedSample>.Success(ParsedSample.Conversation(id, format, messages))
            : Reject(RejectionReason.NoAssistantTurn, "the conversation has no assistant turn");
    }

    private static SampleResult<ParsedSample> ParseAlpaca(JsonElement root, string id)
    {
        if (!TryString(root, "instruction", required: true, out var instruction, out var rejection)
            || !TryString(root, "input", required: false, out var input, out rejection)
            || !TryString(root, "output", required: true, out var output, out rejection))
        {
            return SampleResult<ParsedSample>.Reject(rejection!);
        }

        // Alpaca's optional input follows the instruction after a blank line (open-instruct's conversion).
        var user = string.IsNullOrEmpty(input) ? instruction! : instruction + "\n\n" + input;
        return Conversation(id, SampleFormat.Alpaca, [new ChatMessage(ChatMessage.User, user), new ChatMessage(ChatMessage.Assistant, output!)]);
    }

    private static SampleResult<ParsedSample> ParsePromptResponse(JsonElement root, string id)
    {
        if (!TryString(root, "system", required: false, out var system, out var rejection)
            || !TryString(root, "prompt", required: true, out var prompt, out rejection)
            || !TryString(root, "response", required: true, out var response, out rejection))
        {
            return SampleResult<ParsedSample>.Reject(rejection!);
        }

        var messages = new List<ChatMessage>(3);
        if (system is not null)
        {
            messages.Add(new ChatMessage(ChatMessage.System, system));
        }

        messages.Add(new ChatMessage(ChatMessage.User, prompt!));
        messages.Add(new ChatMessage(ChatMessage.Assistant, response!));
        return Conversation(id, SampleFormat.PromptResponse, messages);
    }

    private static bool TryString(JsonElement root, string name, bool required, out string? value, out SampleRejection? rejection)
    {
        value = null;
        rejection = null;
        if (!root.TryGetProperty(name, out var e) || (!required && e.ValueKind == JsonValueKind.Null))
        {
            if (required)
            {
                rejection = new SampleRejection(RejectionReason.MissingField, $"'{name}' is missing");
                return false;
            }

            return true;
        }

        if (e.ValueKind != JsonValueKind.String)
        {
            rejection = new SampleRejection(RejectionReason.WrongType, $"'{name}' must be a string, got {Kind(e)}");
            return false;
        }

        value = e.GetString();
        return true;
    }

    private static SampleResult<ParsedSample> ParsePreTokenized(JsonElement root, JsonElement ids, string id)
    {
        if (ids.ValueKind != JsonValueKind.Array)
        {
            return Reject(RejectionReason.WrongType, $"'input_ids' must be an array, got {Kind(ids)}");
        }

        // Without labels every token is a response token (Hugging Face's default labels = input_ids).
        var hasLabels = root.TryGetProperty("labels", out var labels) && labels.ValueKind != JsonValueKind.Null;
        if (hasLabels && labels.ValueKind != JsonValueKind.Array)
        {
            return Reject(RejectionReason.WrongType, $"'labels' must be an array, got {Kind(labels)}");
        }

        var n = ids.GetArrayLength();
        if (n == 0)
        {
            return Reject(RejectionReason.EmptySample, "'input_ids' is empty");
        }

        if (hasLabels && labels.GetArrayLength() != n)
        {
            return Reject(RejectionReason.LabelsLengthMismatch, $"{labels.GetArrayLength()} labels for {n} input_ids");
        }

        var inputIds = new int[n];
        var labelIds = new int[n];
        var i = 0;
        foreach (var e in ids.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out inputIds[i]))
            {
                return Reject(e.ValueKind == JsonValueKind.Number ? RejectionReason.TokenOutOfVocabulary : RejectionReason.WrongType,
                    $"'input_ids[{i}]' must be a 32-bit integer, got {Shorten(e.GetRawText())}");
            }

            if (inputIds[i] < 0)
            {
                return Reject(RejectionReason.TokenOutOfVocabulary, $"'input_ids[{i}]' is negative ({inputIds[i]})");
            }

            i++;
        }

        if (!hasLabels)
        {
            return SampleResult<ParsedSample>.Success(ParsedSample.PreTokenized(id, inputIds, (int[])inputIds.Clone()));
        }

        i = 0;
        var response = 0;
        foreach (var e in labels.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out labelIds[i]))
            {
                return Reject(e.ValueKind == JsonValueKind.Number ? RejectionReason.InvalidLabel : RejectionReason.WrongType,
                    $"'labels[{i}]' must be a 32-bit integer, got {Shorten(e.GetRawText())}");
            }

            if (labelIds[i] != TokenizedSample.IgnoreLabel)
            {
                if (labelIds[i] != inputIds[i])
                {
                    return Reject(RejectionReason.InvalidLabel, string.Create(CultureInfo.InvariantCulture, $"'labels[{i}]' is {labelIds[i]}: must be -100 or the input id {inputIds[i]}"));
                }

                response++;
            }

            i++;
        }

        return response == 0
            ? Reject(RejectionReason.EmptyResponse, "every label is -100: no response token")
            : SampleResult<ParsedSample>.Success(ParsedSample.PreTokenized(id, inputIds, labelIds));
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
