using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Templates.Jinja;
using TokenClean.Ingest.Tokenization;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Ingest.Samples;

/// <summary>
/// Applies chat template, tokenizer and response mask to parsed samples. Thread-safe if the tokenizer is.
/// </summary>
/// <remarks>
/// Mask rule (docs/INGEST.md): assistant turn i's response span starts where
/// <c>render(messages[..i], add_generation_prompt: true)</c> ends (that text must be a prefix of the full render) and
/// ends after the first <see cref="ChatTemplate.EndOfTurn"/> at or after that start. A token is a response token
/// iff it overlaps a span (as transformers' <c>return_assistant_tokens_mask</c> does), so a token that straddles
/// a span boundary is a response token. Token positions are found by encoding the text before each boundary and
/// taking the common prefix with the full encoding. The ids are always the full text encoded in one go.
/// </remarks>
public sealed class SampleEncoder
{
    private readonly ITokenizer tokenizer;
    private readonly ChatTemplate template;
    private readonly SampleOptions options;

    public SampleEncoder(ITokenizer tokenizer, ChatTemplate template, SampleOptions? options = null)
    {
        this.tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        this.template = template ?? throw new ArgumentNullException(nameof(template));
        this.options = options ?? SampleOptions.Default;
    }

    /// <summary>Parses and encodes one raw message.</summary>
    public SampleResult<TokenizedSample> Process(ReadOnlySpan<byte> utf8)
    {
        var parsed = SampleParser.Parse(utf8, options);
        return parsed.IsSuccess ? Encode(parsed.Value) : SampleResult<TokenizedSample>.Reject(parsed.Rejection);
    }

    /// <summary>Encodes a parsed sample.</summary>
    public SampleResult<TokenizedSample> Encode(ParsedSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var result = sample.IsPreTokenized ? EncodePreTokenized(sample) : EncodeConversation(sample);
        return result.IsSuccess ? result : SampleResult<TokenizedSample>.Reject(result.Rejection with { SampleId = sample.Id });
    }

    /// <summary>
    /// Turns pre-tokenized input into a sample without a tokenizer (length limit and response check only; whoever
    /// scores it checks the ids against the models' vocabulary). What <c>clean</c> uses when it has no tokenizer, so
    /// a sample gets the same id and the same rejections with or without one.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sample"/> is a conversation, not pre-tokenized.</exception>
    public static SampleResult<TokenizedSample> EncodePreTokenized(ParsedSample sample, SampleOptions options)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(options);
        if (!sample.IsPreTokenized)
        {
            throw new ArgumentException("a conversation needs a tokenizer and a chat template", nameof(sample));
        }

        var result = Finish(options, sample.Id, sample.InputIds!, sample.Labels!, null);
        return result.IsSuccess ? result : SampleResult<TokenizedSample>.Reject(result.Rejection with { SampleId = sample.Id });
    }

    private SampleResult<TokenizedSample> EncodePreTokenized(ParsedSample sample)
    {
        var ids = sample.InputIds!;
        var vocab = tokenizer.VocabSize;
        for (var i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocab)
            {
                return Reject(RejectionReason.TokenOutOfVocabulary, $"'input_ids[{i}]' = {ids[i]} is outside the vocabulary of {vocab}");
            }
        }

        return Finish(options, sample.Id, ids, sample.Labels!, null);
    }

    private SampleResult<TokenizedSample> EncodeConversation(ParsedSample sample)
    {
        var messages = sample.Messages!;
        var eot = template.EndOfTurn;
        if (eot is not null)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i].Content.Contains(eot, StringComparison.Ordinal))
                {
                    return Reject(RejectionReason.ReservedTextInContent, $"message {i} contains the end-of-turn marker '{eot}'");
                }
            }
        }

        string full;
        var spans = new List<(int Start, int End)>();
        try
        {
            full = template.Render(messages, messages.Count, addGenerationPrompt: false);
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i].Role != ChatMessage.Assistant)
                {
                    continue;
                }

                var prefix = template.Render(messages, i, addGenerationPrompt: true);
                if (!full.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return Reject(RejectionReason.TemplateError, $"the template renders assistant turn {i} differently after a generation prompt; its response cannot be located");
                }

                var start = prefix.Length;
                if (!template.HasGenerationPrompt)
                {
                    // The template writes no assistant header on request, so the header is only visible in the full
                    // text: skip to the turn's content (trimmed, since templates commonly trim it).
                    var content = messages[i].Content.Trim();
                    var at = content.Length == 0 ? -1 : full.IndexOf(content, start, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        start = at;
                    }
                }

                int end;
                if (eot is not null)
                {
                    var at = full.IndexOf(eot, start, StringComparison.Ordinal);
                    if (at < 0)
                    {
                        return Reject(RejectionReason.TemplateError, $"no end-of-turn marker '{eot}' after assistant turn {i}");
                    }

                    end = at + eot.Length;
                }
                else
                {
                    end = CommonPrefix(template.Render(messages, i + 1, addGenerationPrompt: false), full);
                    while (end > start && char.IsWhiteSpace(full[end - 1]))
                    {
                        end--;
                    }
                }

                if (spans.Count > 0 && start < spans[^1].End)
                {
                    return Reject(RejectionReason.TemplateError, $"assistant turn {i} overlaps the previous one in the rendered text");
                }

                if (end > start)
                {
                    spans.Add((start, end));
                }
            }
        }
        catch (JinjaException e)
        {
            return Reject(RejectionReason.TemplateError, e.Message);
        }

        var ids = tokenizer.Encode(full, addSpecialTokens: false);
        var labels = new int[ids.Length];
        Array.Fill(labels, TokenizedSample.IgnoreLabel);
        var anchors = Anchors(full, ids);
        foreach (var (start, end) in spans)
        {
            var first = TokenIndexAt(full, start, ids, anchors, isEnd: false);
            var last = TokenIndexAt(full, end, ids, anchors, isEnd: true);
            for (var t = first; t < last; t++)
            {
                labels[t] = ids[t];
            }
        }

        return Finish(options, sample.Id, ids, labels, full);
    }

    /// <summary>
    /// Positions where character and token boundaries are known to coincide: (0, 0) and just after each end-of-turn
    /// marker, when the tokenizer maps the marker to one id and the text and the ids hold it equally often. Encoding
    /// then restarts at the nearest anchor instead of at the beginning, so the mask costs O(length), not
    /// O(turns × length); end boundaries (which sit on an anchor) cost no encoding at all.
    /// </summary>
    private List<(int Char, int Token)> Anchors(string full, int[] ids)
    {
        var anchors = new List<(int, int)> { (0, 0) };
        var eot = template.EndOfTurn;
        if (eot is null || tokenizer.TokenToId(eot) is not { } eotId)
        {
            return anchors;
        }

        var t = 0;
        for (var at = full.IndexOf(eot, StringComparison.Ordinal); at >= 0; at = full.IndexOf(eot, at + eot.Length, StringComparison.Ordinal))
        {
            while (t < ids.Length && ids[t] != eotId)
            {
                t++;
            }

            if (t == ids.Length)
            {
                return [(0, 0)];
            }

            t++;
            anchors.Add((at + eot.Length, t));
        }

        for (; t < ids.Length; t++)
        {
            if (ids[t] == eotId)
            {
                return [(0, 0)];
            }
        }

        return anchors;
    }

    /// <summary>
    /// Index of the first token that is not entirely before character <paramref name="boundary"/>
    /// (<paramref name="isEnd"/>: one past the last token that starts before it).
    /// </summary>
    private int TokenIndexAt(string full, int boundary, int[] ids, List<(int Char, int Token)> anchors, bool isEnd)
    {
        if (boundary >= full.Length)
        {
            return ids.Length;
        }

        var (anchorChar, anchorToken) = anchors[0];
        foreach (var a in anchors)
        {
            if (a.Char > boundary)
            {
                break;
            }

            (anchorChar, anchorToken) = a;
        }

        if (anchorChar == boundary)
        {
            return anchorToken;
        }

        // The ids of the text between the anchor and the boundary agree with the full encoding up to the first token
        // that crosses the boundary (tokenizers split at special tokens and work left to right); the rest differs.
        var pieceIds = tokenizer.Encode(full[anchorChar..boundary], addSpecialTokens: false);
        var n = Math.Min(pieceIds.Length, ids.Length - anchorToken);
        var k = 0;
        while (k < n && pieceIds[k] == ids[anchorToken + k])
        {
            k++;
        }

        // k < pieceIds.Length: token k starts before the boundary and reaches past it. It overlaps the span on
        // either side, so an end boundary includes it too.
        return anchorToken + (isEnd && k < pieceIds.Length && anchorToken + k < ids.Length ? k + 1 : k);
    }

    private static int CommonPrefix(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        var i = 0;
        while (i < n && a[i] == b[i])
        {
            i++;
        }

        return i;
    }

    private static SampleResult<TokenizedSample> Finish(SampleOptions options, string id, int[] ids, int[] labels, string? text)
    {
        var truncated = false;
        if (ids.Length > options.MaxTokens)
        {
            if (options.OverLength == OverLengthPolicy.Reject)
            {
                return Reject(RejectionReason.TooManyTokens, $"{ids.Length} tokens is over the limit of {options.MaxTokens}");
            }

            ids = ids[..options.MaxTokens];
            labels = labels[..options.MaxTokens];
            truncated = true;
        }

        var tokenized = new TokenizedSample(id, ids, labels, truncated, text);
        if (tokenized.ResponseTokens == 0)
        {
            return Reject(
                truncated ? RejectionReason.TooManyTokens : RejectionReason.EmptyResponse,
                truncated ? $"no response token within the first {options.MaxTokens} tokens" : "no response token");
        }

        return SampleResult<TokenizedSample>.Success(tokenized);
    }

    private static SampleResult<TokenizedSample> Reject(RejectionReason reason, string message) => SampleResult<TokenizedSample>.Reject(reason, message);
}
