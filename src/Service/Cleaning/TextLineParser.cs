using System.Text;
using TokenClean.Ingest.Samples;
using TokenClean.Ingest.Templates;
using TokenClean.Ingest.Tokenization;
using ScoringSample = TokenClean.Scoring.Influence.TokenizedSample;

namespace TokenClean.Service.Cleaning;

/// <summary>
/// Turns one input line of any supported schema (chat messages, ShareGPT, prompt/response, Alpaca, pre-tokenized)
/// into a scoring sample with the model's tokenizer and chat template, or into the rejection the sample parser gave.
/// </summary>
internal sealed class TextLineParser
{
    private readonly SampleEncoder _encoder;

    public TextLineParser(ITokenizer tokenizer, ChatTemplate template, SampleOptions options) =>
        _encoder = new SampleEncoder(tokenizer, template, options);

    /// <summary>Loads the tokenizer at <paramref name="tokenizerPath"/> (file or directory) and the chat template.</summary>
    /// <param name="tokenizerPath">tokenizer.json, or a directory containing it (and tokenizer_config.json).</param>
    /// <param name="templateName">A built-in template name, or null/"model" for the model's own.</param>
    /// <param name="maxTokens">Longest tokenized sample accepted (longer ones are rejected).</param>
    public static TextLineParser Load(string tokenizerPath, string? templateName, int maxTokens)
    {
        var tokenizer = HfTokenizer.FromFile(tokenizerPath);
        var modelDir = Directory.Exists(tokenizerPath) ? tokenizerPath : Path.GetDirectoryName(Path.GetFullPath(tokenizerPath));
        var template = ChatTemplate.Resolve(templateName, modelDir);
        return new TextLineParser(tokenizer, template, SampleOptions.Default with { MaxTokens = maxTokens });
    }

    public ParsedLine Parse(string line)
    {
        var result = _encoder.Process(Encoding.UTF8.GetBytes(line));
        if (!result.IsSuccess)
        {
            return ParsedLine.Reject(result.Rejection.Code, result.Rejection.Message);
        }

        var s = result.Value;
        return ParsedLine.Ok(ScoringSample.FromLabels(s.Id, s.InputIds, s.Labels));
    }
}
