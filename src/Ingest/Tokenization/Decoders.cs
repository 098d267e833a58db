using System.Globalization;
using System.Text;

namespace TokenClean.Ingest.Tokenization;

/// <summary>A tokenizer.json decoder: HF's <c>decode_chain</c>, rewriting the list of token strings in place.</summary>
internal abstract class TokenDecoder
{
    public abstract void DecodeChain(List<string> tokens);
}

/// <summary>Applies decoders in order.</summary>
internal sealed class SequenceDecoder(TokenDecoder[] items) : TokenDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        foreach (var item in items)
        {
            item.DecodeChain(tokens);
        }
    }
}

/// <summary>Byte-level: alphabet characters back to bytes, then lossy UTF-8 of the whole text.</summary>
internal sealed class ByteLevelDecoder : TokenDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            var mapped = true;
            foreach (var c in token)
            {
                if (ByteLevelAlphabet.ByteOf(c) < 0)
                {
                    mapped = false;
                    break;
                }
            }

            if (mapped)
            {
                foreach (var c in token)
                {
                    bytes.Add((byte)ByteLevelAlphabet.ByteOf(c));
                }
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
        }

        tokens.Clear();
        tokens.Add(Encoding.UTF8.GetString([.. bytes]));
    }
}

/// <summary>Replaces a literal in every token.</summary>
internal sealed class ReplaceDecoder(string pattern, string content) : TokenDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            tokens[i] = tokens[i].Replace(pattern, content, StringComparison.Ordinal);
        }
    }
}

/// <summary>Turns runs of <c>&lt;0xXX&gt;</c> tokens into text; an invalid UTF-8 run gives one U+FFFD per byte.</summary>
internal sealed class ByteFallbackDecoder : TokenDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                pending.Add(b);
                continue;
            }

            Flush(pending, output);
            output.Add(token);
        }

        Flush(pending, output);
        tokens.Clear();
        tokens.AddRange(output);
    }

    private static void Flush(List<byte> pending, List<string> output)
    {
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            output.Add(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. pending]));
        }
        catch (DecoderFallbackException)
        {
            for (var i = 0; i < pending.Count; i++)
            {
                output.Add("\uFFFD");
            }
        }

        pending.Clear();
    }
}

/// <summary>Concatenates all tokens into one.</summary>
internal sealed class FuseDecoder : TokenDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        var joined = string.Concat(tokens);
        tokens.Clear();
        tokens.Add(joined);
    }
}

/// <summary>Strips up to <c>start</c> leading and <c>stop</c> trailing copies of a character from every token.</summary>
internal sealed class StripDecoder(int content, int start, int stop) : TokenDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        for (var t = 0; t < tokens.Count; t++)
        {
            var runes = new List<Rune>();
            foreach (var r in tokens[t].EnumerateRunes())
            {
                runes.Add(r);
            }

            var startCut = 0;
            for (var i = 0; i < Math.Min(start, runes.Count) && runes[i].Value == content; i++)
            {
                startCut = i + 1;
            }

            var stopCut = runes.Count;
            for (var i = 0; i < stop && runes.Count - i - 1 >= 0; i++)
            {
                var index = runes.Count - i - 1;
                if (runes[index].Value != content)
                {
                    break;
                }

                stopCut = index;
            }

            var sb = new StringBuilder();
            for (var i = startCut; i < stopCut; i++)
            {
                sb.Append(runes[i].ToString());
            }

            tokens[t] = sb.ToString();
        }
    }
}

/// <summary>
/// Metaspace: the replacement character back to spaces. Like HF, when a prefix was prepended it drops every
/// replacement character of the first token, not only the leading one (so "▁▁" as first token decodes to "").
/// </summary>
internal sealed class MetaspaceDecoder(string replacement, bool prepend) : TokenDecoder
{
    public override void DecodeChain(List<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            tokens[i] = tokens[i].Replace(replacement, i == 0 && prepend ? string.Empty : " ", StringComparison.Ordinal);
        }
    }
}
