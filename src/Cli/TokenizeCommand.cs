using System.CommandLine;
using System.Globalization;
using System.Text;
using TokenClean.Ingest.Json;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Cli;

/// <summary>
/// <c>tokenclean tokenize --tokenizer PATH [--add-special-tokens]</c>: JSON Lines of strings on stdin, one JSON array
/// of token ids per line on stdout, in order (the ids HF tokenizers gives for the same tokenizer.json).
/// </summary>
/// <remarks>
/// A line that is not a JSON string is reported on stderr with its line number, answered with <c>null</c> on stdout
/// so that output line N still belongs to input line N, and the command goes on; it then exits 1. Exit 2: the
/// tokenizer could not be loaded. Exit 0: every line was tokenized.
/// </remarks>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizer = new Option<string>("--tokenizer")
        {
            Description = "A Hugging Face tokenizer.json, or a model directory that contains one.",
            Required = true,
        };
        var addSpecial = new Option<bool>("--add-special-tokens")
        {
            Description = "Apply the tokenizer's post-processor (e.g. prepend BOS), as HF's add_special_tokens=True.",
        };
        var command = new Command("tokenize", "Tokenize JSON Lines of strings from stdin into JSON arrays of ids on stdout.")
        {
            tokenizer,
            addSpecial,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(tokenizer)!, parse.GetValue(addSpecial), ct));
        return command;
    }

    private static async Task<int> RunAsync(string path, bool addSpecialTokens, CancellationToken ct)
    {
        HfTokenizer tokenizer;
        try
        {
            tokenizer = HfTokenizer.FromFile(path);
        }
        catch (TokenizerLoadException e)
        {
            await Console.Error.WriteLineAsync($"error: cannot load the tokenizer: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        var input = Console.In;
        var output = Console.Out;
        var ids = new List<int>(1024);
        var sb = new StringBuilder(4096);
        var lineNumber = 0;
        var bad = 0;
        while (await input.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            sb.Clear();
            if (!JsonStringLiteral.TryParse(line, out var text, out var problem))
            {
                bad++;
                await Console.Error.WriteLineAsync($"error: line {lineNumber}: {problem}; wrote null for it").ConfigureAwait(false);
                sb.Append("null");
            }
            else
            {
                ids.Clear();
                tokenizer.Encode(text.AsSpan(), ids, addSpecialTokens);
                sb.Append('[');
                for (var i = 0; i < ids.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }

                    sb.Append(ids[i].ToString(CultureInfo.InvariantCulture));
                }

                sb.Append(']');
            }

            await output.WriteLineAsync(sb, ct).ConfigureAwait(false);
        }

        await output.FlushAsync(ct).ConfigureAwait(false);
        if (bad > 0)
        {
            await Console.Error.WriteLineAsync($"error: {bad} of {lineNumber} lines were not JSON strings").ConfigureAwait(false);
            return 1;
        }

        return 0;
    }
}
