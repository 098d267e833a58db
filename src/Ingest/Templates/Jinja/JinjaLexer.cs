using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TokenClean.Ingest.Templates.Jinja;

internal enum TokenKind
{
    Text,
    Number,
    String,
    Identifier,
    Equals,
    OpenParen,
    CloseParen,
    OpenStatement,
    CloseStatement,
    OpenExpression,
    CloseExpression,
    OpenBracket,
    CloseBracket,
    OpenBrace,
    CloseBrace,
    Comma,
    Dot,
    Colon,
    Pipe,
    Additive,
    Multiplicative,
    Power,
    Comparison,
    Unary,
}

internal readonly record struct JinjaToken(TokenKind Kind, string Value);

/// <summary>
/// Splits template source into tokens with the whitespace rules of <c>@huggingface/jinja</c> (the renderer
/// transformers.js uses, and this project's oracle): <c>trim_blocks</c> and <c>lstrip_blocks</c> on, one trailing
/// newline of the source dropped, <c>{%-</c>/<c>-%}</c> strip all (Unicode) whitespace on that side.
/// </summary>
internal static partial class JinjaLexer
{
    private static readonly (string Seq, TokenKind Kind)[] Operators =
    [
        ("{%", TokenKind.OpenStatement), ("%}", TokenKind.CloseStatement), ("{{", TokenKind.OpenExpression), ("}}", TokenKind.CloseExpression),
        ("(", TokenKind.OpenParen), (")", TokenKind.CloseParen), ("{", TokenKind.OpenBrace), ("}", TokenKind.CloseBrace),
        ("[", TokenKind.OpenBracket), ("]", TokenKind.CloseBracket), (",", TokenKind.Comma), (".", TokenKind.Dot),
        (":", TokenKind.Colon), ("|", TokenKind.Pipe),
        ("<=", TokenKind.Comparison), (">=", TokenKind.Comparison), ("==", TokenKind.Comparison), ("!=", TokenKind.Comparison),
        ("<", TokenKind.Comparison), (">", TokenKind.Comparison),
        ("+", TokenKind.Additive), ("-", TokenKind.Additive), ("~", TokenKind.Additive),
        ("**", TokenKind.Power), ("*", TokenKind.Multiplicative), ("//", TokenKind.Multiplicative), ("/", TokenKind.Multiplicative),
        ("%", TokenKind.Multiplicative), ("=", TokenKind.Equals),
    ];

    [GeneratedRegex(@"^[ \t]*(\{[#%-])", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex LstripBlocks();

    [GeneratedRegex(@"([#%-]\})\n", RegexOptions.CultureInvariant)]
    private static partial Regex TrimBlocks();

    [GeneratedRegex(@"(\s*)\{%(-?)\s*(?:end)?generation\s*(-?)%\}(\s*)", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex GenerationTags();

    /// <summary>ECMAScript's <c>\s</c> set, which String.prototype.trim and the lexer's stripping use.</summary>
    public static bool IsJsWhitespace(char c) =>
        c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r' or '\u00a0' or '\u1680' or '\u2028' or '\u2029' or '\u202f'
            or '\u205f' or '\u3000' or '\ufeff' || (c >= '\u2000' && c <= '\u200a');

    public static string TrimJs(string s) => TrimEndJs(TrimStartJs(s));

    public static string TrimStartJs(string s)
    {
        var i = 0;
        while (i < s.Length && IsJsWhitespace(s[i]))
        {
            i++;
        }

        return i == 0 ? s : s[i..];
    }

    public static string TrimEndJs(string s)
    {
        var i = s.Length;
        while (i > 0 && IsJsWhitespace(s[i - 1]))
        {
            i--;
        }

        return i == s.Length ? s : s[..i];
    }

    public static string Preprocess(string template)
    {
        if (template.EndsWith('\n'))
        {
            template = template[..^1];
        }

        template = LstripBlocks().Replace(template, "$1");
        template = TrimBlocks().Replace(template, "$1");
        return GenerationTags().Replace(template, m => (m.Groups[2].Length > 0 ? string.Empty : m.Groups[1].Value) + (m.Groups[3].Length > 0 ? string.Empty : m.Groups[4].Value));
    }

    public static List<JinjaToken> Tokenize(string source)
    {
        var src = Preprocess(source);
        var tokens = new List<JinjaToken>();
        var pos = 0;
        var braceDepth = 0;
        var afterComment = false;

        while (pos < src.Length)
        {
            TokenKind? last = tokens.Count == 0 ? null : tokens[^1].Kind;
            var textAllowed = last is null or TokenKind.CloseStatement or TokenKind.CloseExpression || afterComment;
            afterComment = false;
            if (textAllowed)
            {
                var start = pos;
                while (pos < src.Length && !(src[pos] == '{' && pos + 1 < src.Length && src[pos + 1] is '%' or '{' or '#'))
                {
                    pos++;
                }

                if (pos > start)
                {
                    tokens.Add(new JinjaToken(TokenKind.Text, src[start..pos]));
                    continue;
                }
            }

            if (At(src, pos, "{#"))
            {
                pos += 2;
                var stripBefore = pos < src.Length && src[pos] == '-';
                var end = src.IndexOf("#}", pos, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new JinjaException("Missing end of comment tag");
                }

                var stripAfter = end > pos && src[end - 1] == '-';
                if (stripBefore)
                {
                    StripTrailingWhitespace(tokens);
                }

                pos = end + 2;
                if (stripAfter)
                {
                    while (pos < src.Length && IsJsWhitespace(src[pos]))
                    {
                        pos++;
                    }
                }

                // A comment behaves like a closed tag: the text after it is a Text token.
                afterComment = true;
                continue;
            }

            if (At(src, pos, "{%-"))
            {
                StripTrailingWhitespace(tokens);
                tokens.Add(new JinjaToken(TokenKind.OpenStatement, "{%"));
                pos += 3;
                continue;
            }

            if (At(src, pos, "{{-"))
            {
                StripTrailingWhitespace(tokens);
                tokens.Add(new JinjaToken(TokenKind.OpenExpression, "{{"));
                braceDepth = 0;
                pos += 3;
                continue;
            }

            while (pos < src.Length && IsJsWhitespace(src[pos]))
            {
                pos++;
            }

            if (pos >= src.Length)
            {
                break;
            }

            if (At(src, pos, "-%}") || At(src, pos, "-}}"))
            {
                tokens.Add(src[pos + 1] == '%' ? new JinjaToken(TokenKind.CloseStatement, "%}") : new JinjaToken(TokenKind.CloseExpression, "}}"));
                pos += 3;
                while (pos < src.Length && IsJsWhitespace(src[pos]))
                {
                    pos++;
                }

                continue;
            }

            var ch = src[pos];
            if (ch is '-' or '+' && last is not (TokenKind.Identifier or TokenKind.Number or TokenKind.String or TokenKind.CloseParen or TokenKind.CloseBracket))
            {
                if (last is null or TokenKind.Text)
                {
                    throw new JinjaException($"Unexpected character: {ch}");
                }

                pos++;
                var numStart = pos;
                while (pos < src.Length && char.IsAsciiDigit(src[pos]))
                {
                    pos++;
                }

                if (pos > numStart && pos + 1 < src.Length && src[pos] == '.' && char.IsAsciiDigit(src[pos + 1]))
                {
                    pos++;
                    while (pos < src.Length && char.IsAsciiDigit(src[pos]))
                    {
                        pos++;
                    }
                }

                tokens.Add(pos > numStart ? new JinjaToken(TokenKind.Number, ch + src[numStart..pos]) : new JinjaToken(TokenKind.Unary, ch.ToString()));
                continue;
            }

            var matched = false;
            foreach (var (seq, kind) in Operators)
            {
                if (seq == "}}" && braceDepth > 0)
                {
                    continue;
                }

                if (At(src, pos, seq))
                {
                    tokens.Add(new JinjaToken(kind, seq));
                    braceDepth = kind switch
                    {
                        TokenKind.OpenExpression => 0,
                        TokenKind.OpenBrace => braceDepth + 1,
                        TokenKind.CloseBrace => braceDepth - 1,
                        _ => braceDepth,
                    };
                    pos += seq.Length;
                    matched = true;
                    break;
                }
            }

            if (matched)
            {
                continue;
            }

            if (ch is '\'' or '"')
            {
                pos++;
                tokens.Add(new JinjaToken(TokenKind.String, ReadString(src, ref pos, ch)));
                continue;
            }

            if (char.IsAsciiDigit(ch))
            {
                var start = pos;
                while (pos < src.Length && char.IsAsciiDigit(src[pos]))
                {
                    pos++;
                }

                if (last != TokenKind.Dot && pos + 1 < src.Length && src[pos] == '.' && char.IsAsciiDigit(src[pos + 1]))
                {
                    pos++;
                    while (pos < src.Length && char.IsAsciiDigit(src[pos]))
                    {
                        pos++;
                    }
                }

                tokens.Add(new JinjaToken(TokenKind.Number, src[start..pos]));
                continue;
            }

            if (IsWord(ch))
            {
                var start = pos;
                while (pos < src.Length && IsWord(src[pos]))
                {
                    pos++;
                }

                tokens.Add(new JinjaToken(TokenKind.Identifier, src[start..pos]));
                continue;
            }

            throw new JinjaException(string.Create(CultureInfo.InvariantCulture, $"Unexpected character '{ch}' at {pos}"));
        }

        return tokens;
    }

    private static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool At(string s, int pos, string seq) => pos + seq.Length <= s.Length && string.CompareOrdinal(s, pos, seq, 0, seq.Length) == 0;

    private static void StripTrailingWhitespace(List<JinjaToken> tokens)
    {
        if (tokens.Count > 0 && tokens[^1].Kind == TokenKind.Text)
        {
            var trimmed = TrimEndJs(tokens[^1].Value);
            if (trimmed.Length == 0)
            {
                tokens.RemoveAt(tokens.Count - 1);
            }
            else
            {
                tokens[^1] = new JinjaToken(TokenKind.Text, trimmed);
            }
        }
    }

    private static string ReadString(string src, ref int pos, char quote)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= src.Length)
            {
                throw new JinjaException("Unexpected end of input in a string literal");
            }

            var c = src[pos];
            if (c == quote)
            {
                pos++;
                return sb.ToString();
            }

            if (c == '\\')
            {
                pos++;
                if (pos >= src.Length)
                {
                    throw new JinjaException("Unexpected end of input");
                }

                var e = src[pos++];
                if (e is 'x' or 'u')
                {
                    var len = e == 'x' ? 2 : 4;
                    if (pos + len > src.Length || !int.TryParse(src.AsSpan(pos, len), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new JinjaException("Invalid hexadecimal escape sequence");
                    }

                    sb.Append((char)code);
                    pos += len;
                    continue;
                }

                sb.Append(e switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\b',
                    'f' => '\f',
                    'v' => '\v',
                    '\'' => '\'',
                    '"' => '"',
                    '\\' => '\\',
                    _ => throw new JinjaException($"Unexpected escaped character: {e}"),
                });
                continue;
            }

            sb.Append(c);
            pos++;
        }
    }
}
