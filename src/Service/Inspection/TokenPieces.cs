using TokenClean.Ingest.Tokenization;

namespace TokenClean.Service.Inspection;

/// <summary>
/// Splits a decoded sample into one text per token so that the texts concatenate to the whole decode. A token's text
/// is what it adds to the decode of the few tokens before it (a decoder may strip a leading space or merge bytes);
/// a token that ends inside a multi-byte character adds nothing and the character goes with the token that completes it.
/// </summary>
public static class TokenPieces
{
    private const int Context = 4;

    /// <summary>One text per id of <paramref name="ids"/>.</summary>
    public static string[] Decode(ITokenizer tokenizer, ReadOnlySpan<int> ids)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var pieces = new string[ids.Length];
        var start = 0; // first token whose text is not emitted yet
        for (var i = 0; i < ids.Length; i++)
        {
            var from = Math.Max(0, start - Context);
            var before = tokenizer.Decode(ids[from..start]);
            var after = tokenizer.Decode(ids[from..(i + 1)]);
            var complete = !after.EndsWith('\uFFFD') || i - start >= Context || i == ids.Length - 1;
            if (!complete)
            {
                pieces[i] = ""; // an incomplete character: its text goes with a later token
                continue;
            }

            pieces[i] = after.StartsWith(before, StringComparison.Ordinal) ? after[before.Length..] : tokenizer.Decode(ids.Slice(i, 1));
            for (var k = start; k < i; k++)
            {
                pieces[k] ??= "";
            }

            start = i + 1;
        }

        return pieces;
    }
}
