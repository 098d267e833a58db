using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tests.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Ingest.Tests.Samples;

/// <summary>
/// The response mask, token by token: exactly the tokens of each assistant turn's response (with its end-of-turn
/// token) are labelled, nothing of system/user turns or template scaffolding.
/// </summary>
public sealed class ResponseMaskTests
{
    /// <summary>
    /// Tokenizers the mask is tested with, by name. To test a real tokenizer add one line here, e.g.
    /// <c>["hf-qwen3"] = () =&gt; HfTokenizer.FromFile(NodeOracle.LenmlModelDir("qwen3") + "/tokenizer.json")</c>,
    /// and pair it with its template in <see cref="Cases"/>.
    /// </summary>
    private static readonly Dictionary<string, Func<ITokenizer>> Tokenizers = new(StringComparer.Ordinal)
    {
        ["bytes"] = () => new ByteTestTokenizer(ByteTestTokenizer.TemplateSpecials),

        // No special tokens: end-of-turn markers are plain bytes, so the encoder cannot anchor on their ids.
        ["bytes-plain"] = () => new ByteTestTokenizer([]),
        ["hf-qwen3"] = () => NodeHfTokenizer.ForLenml("qwen3"),
        ["hf-llama3"] = () => NodeHfTokenizer.ForLenml("llama3"),
        ["hf-gemma3"] = () => NodeHfTokenizer.ForLenml("gemma3"),
        ["hf-deepseek_v3"] = () => NodeHfTokenizer.ForLenml("deepseek_v3"),
        ["hf-llama2"] = () => NodeHfTokenizer.ForLenml("llama2"),
    };

    /// <summary>(tokenizer name, template name) pairs; templates as in <see cref="TemplateParityTests.Load"/>.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var template in new[] { "qwen3", "llama3", "gemma3", "deepseek_v3", "chatml", "llama3-builtin", "llama2", "tulu", "alpaca" })
        {
            data.Add("bytes", template);
            data.Add("bytes-plain", template);
        }

        // Real vocabularies (Hugging Face tokenizers, the reference implementation) with their own templates.
        data.Add("hf-qwen3", "qwen3");
        data.Add("hf-qwen3", "chatml");
        data.Add("hf-llama3", "llama3");
        data.Add("hf-llama3", "llama3-builtin");
        data.Add("hf-gemma3", "gemma3");
        data.Add("hf-deepseek_v3", "deepseek_v3");
        data.Add("hf-llama2", "llama2");
        data.Add("hf-llama2", "tulu");
        data.Add("hf-llama2", "alpaca");

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_ConversationTable_LabelsExactlyTheAssistantResponses(string tokenizerName, string templateName)
    {
        var tokenizer = Tokenizers[tokenizerName]();
        using var owned = tokenizer as IDisposable;
        var template = TemplateParityTests.Load(templateName);
        var encoder = new SampleEncoder(tokenizer, template, new SampleOptions { MaxTokens = 100_000 });

        foreach (var (conversation, messages) in Conversations.All)
        {
            var parsed = ParsedSample.Conversation(conversation, SampleFormat.Messages, messages);
            var result = encoder.Encode(parsed);
            if (!messages.Any(m => m.Role == ChatMessage.Assistant))
            {
                continue;
            }

            Assert.True(result.IsSuccess, $"{templateName}/{conversation}: {result.Rejection}");
            var sample = result.Value;
            var context = $"{templateName}/{conversation}";

            // The ids are the whole rendered text encoded in one go.
            Assert.Equal(tokenizer.Encode(template.Render(messages, addGenerationPrompt: false)), sample.InputIds);

            // Token by token: a label is the id or -100, nothing else.
            for (var t = 0; t < sample.InputIds.Length; t++)
            {
                Assert.True(sample.Labels[t] == TokenizedSample.IgnoreLabel || sample.Labels[t] == sample.InputIds[t], $"{context}: label {t}");
            }

            // The labelled runs decode to exactly the expected responses, in order.
            var runs = Runs(sample.Labels).Select(r => tokenizer.Decode(sample.InputIds.AsSpan(r.Start, r.Length))).ToList();
            var expected = new List<string>();
            for (var i = 0; i < messages.Length; i++)
            {
                if (messages[i].Role == ChatMessage.Assistant)
                {
                    expected.Add(ExpectedResponse(templateName, messages, i));
                }
            }

            Assert.True(expected.Count == runs.Count, $"{context}\nexpected: {Show(expected)}\nactual:   {Show(runs)}");
            var runSpans = Runs(sample.Labels);
            for (var k = 0; k < runs.Count; k++)
            {
                // Exact, or (with a real vocabulary) a first token that straddles the start of the response: then the
                // run holds a little of the header, strictly less than that token.
                var firstToken = tokenizer.Decode(sample.InputIds.AsSpan(runSpans[k].Start, 1));
                var exact = runs[k] == expected[k];
                var straddles = runs[k].EndsWith(expected[k], StringComparison.Ordinal) && runs[k].Length - expected[k].Length < firstToken.Length;
                Assert.True(exact || (!tokenizerName.StartsWith("bytes", StringComparison.Ordinal) && straddles), $"{context} turn {k}\nexpected: {Show([expected[k]])}\nactual:   {Show([runs[k]])}");
            }

            Assert.Equal(sample.Labels.Count(l => l != TokenizedSample.IgnoreLabel), sample.ResponseTokens);
        }
    }

    /// <summary>What each template writes for assistant turn i, up to and including its end-of-turn token.</summary>
    private static string ExpectedResponse(string template, ChatMessage[] messages, int i)
    {
        var content = messages[i].Content;
        return template switch
        {
            "qwen3" => Qwen3Response(messages, i),
            "llama3" or "llama3-builtin" => content.Trim() + "<|eot_id|>",
            "gemma3" => content.Trim() + "<end_of_turn>",
            "deepseek_v3" => content + "<｜end▁of▁sentence｜>",
            "chatml" => content + "<|im_end|>",
            "llama2" => content.Trim() + " </s>", // no generation prompt: the response starts at the content
            "tulu" or "alpaca" => content + "</s>",
            _ => throw new ArgumentException(template),
        };
    }

    // Qwen3 moves "<think>…</think>" out of earlier turns and writes an (empty) think block into the turn after
    // the last user query. Its lstrip/strip calls trim all whitespace under @huggingface/jinja.
    private static string Qwen3Response(ChatMessage[] messages, int i)
    {
        var content = messages[i].Content;
        var reasoning = string.Empty;
        if (content.Contains("</think>", StringComparison.Ordinal))
        {
            var parts = content.Split("</think>");
            reasoning = parts[0].TrimEnd().Split("<think>")[^1].TrimStart();
            content = parts[^1].TrimStart();
        }

        var lastUser = Array.FindLastIndex(messages, m => m.Role == ChatMessage.User);
        var isLast = i == messages.Length - 1;
        if (i > lastUser && (isLast || reasoning.Length > 0))
        {
            return "<think>\n" + reasoning.Trim() + "\n</think>\n\n" + content.TrimStart() + "<|im_end|>";
        }

        return content + "<|im_end|>";
    }

    [Fact]
    public void Encode_TokenStraddlingResponseStart_IsResponse()
    {
        // "\nHel" spans the "<|im_start|>assistant\n" header and the content "Hello".
        var tokenizer = new ByteTestTokenizer(ByteTestTokenizer.TemplateSpecials, ["\nHel", "assistant"]);
        var encoder = new SampleEncoder(tokenizer, ChatTemplate.Named("chatml"));
        var sample = encoder.Encode(ParsedSample.Conversation("x", SampleFormat.Messages, [new(ChatMessage.User, "Hi"), new(ChatMessage.Assistant, "Hello")])).Value!;

        var straddler = Array.IndexOf(sample.InputIds, tokenizer.TokenToId("\nHel")!.Value);
        Assert.True(straddler > 0);
        Assert.Equal(TokenizedSample.IgnoreLabel, sample.Labels[straddler - 1]);
        Assert.Equal("assistant", tokenizer.Decode(sample.InputIds.AsSpan(straddler - 1, 1)));
        Assert.Equal(["\nHel", "l", "o", "<|im_end|>"], Runs(sample.Labels).SelectMany(r => Enumerable.Range(r.Start, r.Length)).Select(t => tokenizer.Decode(sample.InputIds.AsSpan(t, 1))));
    }

    [Fact]
    public void Encode_TokenStraddlingResponseEnd_IsResponse()
    {
        // A template without an end-of-turn marker: the response is the content; "y\nu" spans its end and the next turn.
        var template = ChatTemplate.FromSource("plain", PlainTemplate + "{% if add_generation_prompt %}assistant: {% endif %}", string.Empty, string.Empty);
        Assert.Null(template.EndOfTurn);
        var tokenizer = new ByteTestTokenizer([], ["y\nu"]);
        var encoder = new SampleEncoder(tokenizer, template);
        var sample = encoder.Encode(ParsedSample.Conversation("x", SampleFormat.Messages,
            [new(ChatMessage.User, "q"), new(ChatMessage.Assistant, "xy"), new(ChatMessage.User, "r"), new(ChatMessage.Assistant, "ok")])).Value!;

        var runs = Runs(sample.Labels).Select(r => tokenizer.Decode(sample.InputIds.AsSpan(r.Start, r.Length))).ToList();
        Assert.Equal(["xy\nu", "ok"], runs);
        Assert.Contains(tokenizer.TokenToId("y\nu")!.Value, sample.InputIds);
    }

    private const string PlainTemplate = "{% for m in messages %}{{ m.role + ': ' + m.content + '\\n' }}{% endfor %}";

    [Fact]
    public void Encode_TemplateWithoutGenerationPrompt_StartsResponseAtTheContent()
    {
        var template = ChatTemplate.FromSource("plain", PlainTemplate, string.Empty, string.Empty);
        Assert.False(template.HasGenerationPrompt);
        var tokenizer = new ByteTestTokenizer([]);
        var sample = new SampleEncoder(tokenizer, template).Encode(ParsedSample.Conversation("x", SampleFormat.Messages,
            [new(ChatMessage.User, "q"), new(ChatMessage.Assistant, "xy"), new(ChatMessage.User, "r"), new(ChatMessage.Assistant, "ok")])).Value!;
        Assert.Equal(["xy", "ok"], Runs(sample.Labels).Select(r => tokenizer.Decode(sample.InputIds.AsSpan(r.Start, r.Length))));
    }

    [Fact]
    public void Encode_ManyTurns_EncodesLinearTextNotQuadratic()
    {
        var counting = new CountingTokenizer(new ByteTestTokenizer(ByteTestTokenizer.TemplateSpecials));
        var messages = new List<ChatMessage>();
        for (var i = 0; i < 20; i++)
        {
            messages.Add(new(ChatMessage.User, new string('q', 200)));
            messages.Add(new(ChatMessage.Assistant, new string('a', 200)));
        }

        var sample = new SampleEncoder(counting, ChatTemplate.Named("chatml"), new SampleOptions { MaxTokens = 100_000 }).Encode(ParsedSample.Conversation("x", SampleFormat.Messages, messages)).Value!;
        Assert.Equal(20 * 201, sample.ResponseTokens);
        var full = sample.RenderedText!.Length;
        Assert.True(counting.CharactersEncoded <= 2 * full, $"{counting.CharactersEncoded} characters encoded for a {full}-character sample");
    }

    private sealed class CountingTokenizer(ITokenizer inner) : ITokenizer
    {
        public long CharactersEncoded { get; private set; }

        public int VocabSize => inner.VocabSize;

        public int[] Encode(string text, bool addSpecialTokens = false)
        {
            CharactersEncoded += text.Length;
            return inner.Encode(text, addSpecialTokens);
        }

        public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false) => inner.Decode(ids, skipSpecialTokens);

        public int? TokenToId(string token) => inner.TokenToId(token);
    }

    [Fact]
    public void Encode_ContentContainingEndOfTurn_IsRejected()
    {
        var encoder = new SampleEncoder(new ByteTestTokenizer(ByteTestTokenizer.TemplateSpecials), ChatTemplate.Named("chatml"));
        var r = encoder.Encode(ParsedSample.Conversation("x", SampleFormat.Messages, [new(ChatMessage.User, "a"), new(ChatMessage.Assistant, "b<|im_end|>c")]));
        Assert.Equal(RejectionReason.ReservedTextInContent, r.Rejection!.Reason);
    }

    [Fact]
    public void Encode_TemplateRaises_IsTemplateError()
    {
        var encoder = new SampleEncoder(new ByteTestTokenizer(ByteTestTokenizer.TemplateSpecials), TemplateParityTests.Load("gemma3"));
        var r = encoder.Encode(ParsedSample.Conversation("x", SampleFormat.Messages, [new(ChatMessage.Assistant, "first"), new(ChatMessage.User, "then")]));
        Assert.Equal("template_error", r.Rejection!.Code);
        Assert.Contains("alternate", r.Rejection.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_OverMaxTokens_RejectsByDefaultAndTruncatesWhenAsked()
    {
        var tokenizer = new ByteTestTokenizer(ByteTestTokenizer.TemplateSpecials);
        var sample = ParsedSample.Conversation("x", SampleFormat.Messages, [new(ChatMessage.User, "abc"), new(ChatMessage.Assistant, "defghij")]);
        var full = new SampleEncoder(tokenizer, ChatTemplate.Named("chatml"), new SampleOptions { MaxTokens = 1000 }).Encode(sample).Value!;

        var rejected = new SampleEncoder(tokenizer, ChatTemplate.Named("chatml"), new SampleOptions { MaxTokens = full.InputIds.Length - 1 }).Encode(sample);
        Assert.Equal(RejectionReason.TooManyTokens, rejected.Rejection!.Reason);

        var cut = new SampleEncoder(tokenizer, ChatTemplate.Named("chatml"), new SampleOptions { MaxTokens = full.InputIds.Length - 3, OverLength = OverLengthPolicy.Truncate }).Encode(sample).Value!;
        Assert.True(cut.Truncated);
        Assert.Equal(full.InputIds[..^3], cut.InputIds);
        Assert.Equal(full.Labels[..^3], cut.Labels);
        Assert.Equal(full.ResponseTokens - 2, cut.ResponseTokens); // "<|im_end|>" and the last "j" were response tokens, "\n" was not

        var noResponseLeft = new SampleEncoder(tokenizer, ChatTemplate.Named("chatml"), new SampleOptions { MaxTokens = 5, OverLength = OverLengthPolicy.Truncate }).Encode(sample);
        Assert.Equal(RejectionReason.TooManyTokens, noResponseLeft.Rejection!.Reason);
    }

    [Fact]
    public void Encode_PreTokenized_ChecksVocabularyAndKeepsLabels()
    {
        var tokenizer = new ByteTestTokenizer([]);
        var encoder = new SampleEncoder(tokenizer, ChatTemplate.Named("chatml"));
        var ok = encoder.Encode(ParsedSample.PreTokenized("p", [1, 2, 3], [-100, 2, 3])).Value!;
        Assert.Equal([-100, 2, 3], ok.Labels);
        Assert.Equal(2, ok.ResponseTokens);

        var bad = encoder.Encode(ParsedSample.PreTokenized("p", [1, 256, 3], [-100, 256, 3]));
        Assert.Equal("token_out_of_vocabulary", bad.Rejection!.Code);
    }

    private static List<(int Start, int Length)> Runs(int[] labels)
    {
        var runs = new List<(int, int)>();
        for (var t = 0; t < labels.Length; t++)
        {
            if (labels[t] == TokenizedSample.IgnoreLabel)
            {
                continue;
            }

            var start = t;
            while (t < labels.Length && labels[t] != TokenizedSample.IgnoreLabel)
            {
                t++;
            }

            runs.Add((start, t - start));
        }

        return runs;
    }

    private static string Show(IEnumerable<string> items) => string.Join(" | ", items.Select(s => s.Replace("\n", "\\n", StringComparison.Ordinal)));
}
