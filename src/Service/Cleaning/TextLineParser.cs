using System.Text;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// Turns one input line of any supported schema (chat messages, ShareGPT, prompt/response, Alpaca, pre-tokenized)
/// into a scoring sample with the model's tokenizer and chat template, or into the rejection the sample parser gave.
/// </summary>
internal sealed class TextLineParser
{
    /// <summary>Reason code for a text sample when the model has no chat template and none was named.</summary>

    private readonly SampleEncoder? _encoder;
    private readonly string? _noTemplateReason;

    public TextLineParser(ITokenizer tokenizer, ChatTemplate template, SampleOptions options) =>
        _encoder = new SampleEncoder(tokenizer, template, options);

    /// <summary>Pre-tokenized input only: the model has no chat template (base models often have none).</summary>
    private TextLineParser(string noTemplateReason) => _noTemplateReason = noTemplateReason;

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
            return new TextLineParser($"{e.Message}; pass --chat-template (chatml, llama3, llama2, tulu, alpaca) to clean text samples");
        }

        return new TextLineParser(tokenizer, template, SampleOptions.Default with { MaxTokens = maxTokens });
    }

    public ParsedLine Parse(string line)
    {
        if (_encoder is null)
        {
            var parsed = PreTokenizedLineParser.Parse(line);
            return parsed.Rejection is not null && !line.Contains("\"input_ids\"", StringComparison.Ordinal)
                ? ParsedLine.Reject(RejectionReason.NoChatTemplate, _noTemplateReason!, parsed.SampleId)
                : parsed;
        }

        var result = _encoder.Process(Encoding.UTF8.GetBytes(line));
        if (!result.IsSuccess)
        {
            return new ParsedLine(null, result.Rejection, null);
        }

        return ParsedLine.Ok(result.Value);
    }
}
