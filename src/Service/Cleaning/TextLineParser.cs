using System.Text;
using TokenClean.Core.Rejections;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// Turns one input line of any supported schema (chat messages, ShareGPT, prompt/response, Alpaca, pre-tokenized)
/// into a scoring sample, or into the rejection the sample parser gave. The same parser and id hash as <c>serve</c>
/// (<see cref="SampleParser"/>, <see cref="SampleEncoder"/>), so a line gets the same sample id in both.
/// </summary>
internal sealed class TextLineParser
{
    private readonly SampleEncoder? _encoder;
    private readonly SampleOptions _options;
    private readonly string? _noTemplateReason;

    public TextLineParser(ITokenizer tokenizer, ChatTemplate template, SampleOptions options)
    {
        _encoder = new SampleEncoder(tokenizer, template, options);
        _options = options;
    }

    /// <summary>Pre-tokenized input only: no tokenizer, or the model has no chat template (base models often have none).</summary>
    private TextLineParser(SampleOptions options, string noTemplateReason)
    {
        _options = options;
        _noTemplateReason = noTemplateReason;
    }

    /// <summary>A parser for pre-tokenized lines only (no tokenizer was given or found); text lines are <c>no_chat_template</c>.</summary>
    /// <param name="maxTokens">Longest sample accepted (longer ones are rejected).</param>
    public static TextLineParser PreTokenizedOnly(int maxTokens) =>
        new(Options(maxTokens), "no tokenizer was given and the base model has none; pass --tokenizer to clean text samples");

    /// <summary>Loads the tokenizer at <paramref name="tokenizerPath"/> (file or directory) and the chat template.</summary>
    /// <param name="tokenizerPath">tokenizer.json, or a directory containing it (and tokenizer_config.json).</param>
    /// <param name="templateName">A built-in template name, or null/"model" for the model's own.</param>
    /// <param name="maxTokens">Longest tokenized sample accepted (longer ones are rejected).</param>
    public static TextLineParser Load(string tokenizerPath, string? templateName, int maxTokens)
    {
        var tokenizer = HfTokenizer.FromFile(tokenizerPath);
        var modelDir = Directory.Exists(tokenizerPath) ? tokenizerPath : Path.GetDirectoryName(Path.GetFullPath(tokenizerPath));
        ChatTemplate template;
        try
        {
            template = ChatTemplate.Resolve(templateName, modelDir);
        }
        catch (InvalidDataException e) when (string.IsNullOrEmpty(templateName))
        {
            // Pre-tokenized samples need no template; text samples are dead-lettered with this reason.
            return new TextLineParser(Options(maxTokens), $"{e.Message}; pass --chat-template (chatml, llama3, llama2, tulu, alpaca) to clean text samples");
        }

        return new TextLineParser(tokenizer, template, Options(maxTokens));
    }

    public ParsedLine Parse(string line)
    {
        var utf8 = Encoding.UTF8.GetBytes(line);
        if (_encoder is not null)
        {
            var result = _encoder.Process(utf8);
            return result.IsSuccess ? ParsedLine.Ok(result.Value) : ParsedLine.Reject(result.Rejection);
        }

        var parsed = SampleParser.Parse(utf8, _options);
        if (!parsed.IsSuccess)
        {
            return ParsedLine.Reject(parsed.Rejection);
        }

        if (!parsed.Value.IsPreTokenized)
        {
            return ParsedLine.Reject(new SampleRejection(RejectionReason.NoChatTemplate, _noTemplateReason!, parsed.Value.Id));
        }

        // No tokenizer to check the ids against: the scorer checks them against the models' vocabulary.
        var encoded = SampleEncoder.EncodePreTokenized(parsed.Value, _options);
        return encoded.IsSuccess ? ParsedLine.Ok(encoded.Value) : ParsedLine.Reject(encoded.Rejection);
    }

    // clean has no byte limit of its own beyond serve's default; its token limit is --max-length (or the models').
    private static SampleOptions Options(int maxTokens) => SampleOptions.Default with { MaxTokens = maxTokens };
}
