// Why one file of ~500 lines: it holds every hand-written pre-tokenizer pattern side by side (cl100k-style, GPT-2,
// DeepSeek, digits, CJK ranges, literals, a .NET Regex fallback), so that each can be compared with its siblings.
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using TokenClean.Ingest.Tokenization.Unicode;

namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// A pattern of HF's <c>Split</c> pre-tokenizer: finds its matches in a UTF-8 piece and writes
/// (start, end, isMatch) triples that cover the piece, as HF's <c>Pattern::find_matches</c>.
/// </summary>
internal abstract class SplitPattern
{
    public abstract void FindMatches(ReadOnlySpan<byte> s, IntList triples);
}

/// <summary>
/// A regex written by hand as a function "longest match starting here, or -1", with Oniguruma's leftmost-first
/// alternation and backtracking worked out per pattern. Several times faster than a regex engine, and it classifies
/// code points, not UTF-16 units.
/// </summary>
internal abstract class MatcherPattern : SplitPattern
{
    public abstract int MatchAt(ReadOnlySpan<byte> s, int i);

    public override void FindMatches(ReadOnlySpan<byte> s, IntList triples)
    {
        var prev = 0;
        var i = 0;
        while (i < s.Length)
        {
            var end = MatchAt(s, i);
            if (end > i)
            {
                if (prev < i)
                {
                    triples.Add(prev, i, 0);
                }

                triples.Add(i, end, 1);
                prev = i = end;
            }
            else
            {
                i += CharClass.SequenceLength(s[i]);
            }
        }

        if (prev < s.Length)
        {
            triples.Add(prev, s.Length, 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static byte ClassAt(ReadOnlySpan<byte> s, int i, out int cp, out int len)
    {
        if (i >= s.Length)
        {
            cp = -1;
            len = 0;
            return 0;
        }

        cp = CharClass.Decode(s, i, out len);
        return CharClass.Of(cp);
    }

    /// <summary>End of the run of code points from <paramref name="i"/> whose class has any of <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static int RunEnd(ReadOnlySpan<byte> s, int i, byte mask)
    {
        while (i < s.Length)
        {
            var b = s[i];
            if (b < 0x80)
            {
                if ((CharClass.Of(b) & mask) == 0)
                {
                    return i;
                }

                i++;
                continue;
            }

            var cp = CharClass.Decode(s, i, out var len);
            if ((CharClass.Of(cp) & mask) == 0)
            {
                return i;
            }

            i += len;
        }

        return i;
    }

    /// <summary>End of the run of code points with none of <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static int RunEndNot(ReadOnlySpan<byte> s, int i, byte mask)
    {
        while (i < s.Length)
        {
            var cp = CharClass.Decode(s, i, out var len);
            if ((CharClass.Of(cp) & mask) != 0)
            {
                return i;
            }

            i += len;
        }

        return i;
    }

    /// <summary><c>\s*[\r\n]+|\s+(?!\S)|\s+</c> at a whitespace code point: the three whitespace alternatives.</summary>
    protected static int Whitespace(ReadOnlySpan<byte> s, int i, bool withNewlineRule)
    {
        var lastNewline = -1;
        var lastStart = i;
        var j = i;
        while (j < s.Length)
        {
            var cp = CharClass.Decode(s, j, out var len);
            var c = CharClass.Of(cp);
            if ((c & CharClass.Space) == 0)
            {
                break;
            }

            if ((c & CharClass.CrLf) != 0)
            {
                lastNewline = j;
            }

            lastStart = j;
            j += len;
        }

        if (withNewlineRule && lastNewline >= 0)
        {
            return lastNewline + 1; // \s*[\r\n]+ : backtrack \s* to the last newline of the run
        }

        if (j == s.Length)
        {
            return j; // \s+(?!\S) at the end of the text
        }

        return lastStart > i ? lastStart : j; // leave the last space for the next word, else \s+
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static int Contraction(ReadOnlySpan<byte> s, int i, bool ignoreCase)
    {
        if (i + 1 >= s.Length)
        {
            return -1;
        }

        var a = s[i + 1];
        if (ignoreCase)
        {
            a = (byte)(a | 0x20);
        }

        if (a is (byte)'s' or (byte)'t' or (byte)'m' or (byte)'d')
        {
            return i + 2;
        }

        if (i + 2 >= s.Length)
        {
            return -1;
        }

        var b = s[i + 2];
        if (ignoreCase)
        {
            b = (byte)(b | 0x20);
        }

        return (a, b) is ((byte)'r', (byte)'e') or ((byte)'v', (byte)'e') or ((byte)'l', (byte)'l') ? i + 3 : -1;
    }
}

/// <summary>
/// The Llama 3 / cl100k family: <c>(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,N}|
/// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+</c>; Qwen2/3 use <c>\p{N}</c> (one digit).
/// </summary>
internal sealed class Cl100kPattern(int maxDigits) : MatcherPattern
{
    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    public const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public override int MatchAt(ReadOnlySpan<byte> s, int i)
    {
        var c0 = ClassAt(s, i, out var cp0, out var n0);
        if (cp0 == '\'')
        {
            var e = Contraction(s, i, ignoreCase: true);
            if (e > 0)
            {
                return e;
            }
        }

        if ((c0 & CharClass.Letter) != 0)
        {
            return RunEnd(s, i + n0, CharClass.Letter);
        }

        if ((c0 & (CharClass.Number | CharClass.CrLf)) == 0
            && (ClassAt(s, i + n0, out _, out _) & CharClass.Letter) != 0)
        {
            return RunEnd(s, i + n0, CharClass.Letter);
        }

        if ((c0 & CharClass.Number) != 0)
        {
            var j = i + n0;
            for (var k = 1; k < maxDigits && (ClassAt(s, j, out _, out var len) & CharClass.Number) != 0; k++)
            {
                j += len;
            }

            return j;
        }

        var start = cp0 == ' ' ? i + 1 : i;
        const byte notOther = CharClass.Space | CharClass.Letter | CharClass.Number;
        if (start < s.Length && (ClassAt(s, start, out _, out _) & notOther) == 0)
        {
            var j = RunEndNot(s, start, notOther);
            while (j < s.Length && (s[j] == '\r' || s[j] == '\n'))
            {
                j++;
            }

            return j;
        }

        return (c0 & CharClass.Space) != 0 ? Whitespace(s, i, withNewlineRule: true) : -1;
    }
}

/// <summary>GPT-2's pattern (ByteLevel with use_regex): <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>.</summary>
internal sealed class Gpt2Pattern : MatcherPattern
{
    public const string Source = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static readonly Gpt2Pattern Instance = new();

    public override int MatchAt(ReadOnlySpan<byte> s, int i)
    {
        var c0 = ClassAt(s, i, out var cp0, out _);
        if (cp0 == '\'')
        {
            var e = Contraction(s, i, ignoreCase: false);
            if (e > 0)
            {
                return e;
            }
        }

        var start = cp0 == ' ' ? i + 1 : i;
        var c = start == i ? c0 : ClassAt(s, start, out _, out _);
        if (start < s.Length)
        {
            if ((c & CharClass.Letter) != 0)
            {
                return RunEnd(s, start, CharClass.Letter);
            }

            if ((c & CharClass.Number) != 0)
            {
                return RunEnd(s, start, CharClass.Number);
            }

            const byte notOther = CharClass.Space | CharClass.Letter | CharClass.Number;
            if ((c & notOther) == 0)
            {
                return RunEndNot(s, start, notOther);
            }
        }

        return (c0 & CharClass.Space) != 0 ? Whitespace(s, i, withNewlineRule: false) : -1;
    }
}

/// <summary>DeepSeek V3's third split: letters with marks, ASCII punctuation glued to Latin words, symbol runs.</summary>
internal sealed class DeepSeekPattern : MatcherPattern
{
    public const string Source = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

    public override int MatchAt(ReadOnlySpan<byte> s, int i)
    {
        var c0 = ClassAt(s, i, out var cp0, out var n0);
        if (cp0 < 0x80 && cp0 > ' ' && !char.IsAsciiLetterOrDigit((char)cp0) && cp0 != 0x7F
            && i + 1 < s.Length && char.IsAsciiLetter((char)s[i + 1]))
        {
            var j = i + 1;
            while (j < s.Length && char.IsAsciiLetter((char)s[j]))
            {
                j++;
            }

            return j;
        }

        const byte word = CharClass.Letter | CharClass.Mark;
        if ((c0 & word) != 0)
        {
            return RunEnd(s, i + n0, word);
        }

        if ((c0 & (CharClass.Letter | CharClass.Punct | CharClass.Symbol | CharClass.CrLf)) == 0
            && (ClassAt(s, i + n0, out _, out _) & word) != 0)
        {
            return RunEnd(s, i + n0, word);
        }

        const byte ps = CharClass.Punct | CharClass.Symbol;
        var start = cp0 == ' ' ? i + 1 : i;
        if (start < s.Length && (ClassAt(s, start, out _, out _) & ps) != 0)
        {
            var j = RunEnd(s, start, ps);
            while (j < s.Length && (s[j] == '\r' || s[j] == '\n'))
            {
                j++;
            }

            return j;
        }

        return (c0 & CharClass.Space) != 0 ? Whitespace(s, i, withNewlineRule: true) : -1;
    }
}

/// <summary><c>\p{N}{1,N}</c> (DeepSeek's first split) or <c>\p{N}+</c>.</summary>
internal sealed class DigitsPattern(int maxDigits) : MatcherPattern
{
    public override int MatchAt(ReadOnlySpan<byte> s, int i)
    {
        var j = i;
        for (var k = 0; k < maxDigits && (ClassAt(s, j, out _, out var len) & CharClass.Number) != 0; k++)
        {
            j += len;
        }

        return j > i ? j : -1;
    }
}

/// <summary>A run of code points from a set of inclusive ranges: <c>[a-bc-d...]+</c> (DeepSeek's CJK split).</summary>
internal sealed class RangeRunPattern(int[] ranges) : MatcherPattern
{
    public override int MatchAt(ReadOnlySpan<byte> s, int i)
    {
        var j = i;
        while (j < s.Length)
        {
            var cp = CharClass.Decode(s, j, out var len);
            var hit = false;
            for (var r = 0; r < ranges.Length; r += 2)
            {
                if (cp >= ranges[r] && cp <= ranges[r + 1])
                {
                    hit = true;
                    break;
                }
            }

            if (!hit)
            {
                break;
            }

            j += len;
        }

        return j > i ? j : -1;
    }
}

/// <summary>A literal string pattern (HF's <c>SplitPattern::String</c>): non-overlapping occurrences.</summary>
internal sealed class LiteralPattern(byte[] literal) : SplitPattern
{
    public override void FindMatches(ReadOnlySpan<byte> s, IntList triples)
    {
        if (literal.Length == 0)
        {
            triples.Add(0, s.Length, 0);
            return;
        }

        var prev = 0;
        var i = 0;
        while (i < s.Length)
        {
            var k = s[i..].IndexOf(literal);
            if (k < 0)
            {
                break;
            }

            var start = i + k;
            if (prev < start)
            {
                triples.Add(prev, start, 0);
            }

            triples.Add(start, start + literal.Length, 1);
            prev = i = start + literal.Length;
        }

        if (prev < s.Length)
        {
            triples.Add(prev, s.Length, 0);
        }
    }
}

/// <summary>
/// Any other regex, run by .NET's engine. .NET matches UTF-16 units, so an astral code point would be two surrogate
/// halves to it; each astral code point is therefore replaced by one BMP stand-in of the same general category
/// before matching (𝐀 by a Glagolitic capital, an emoji by ☀, ...), which keeps <c>\p{L}</c>-style classes right and
/// match positions one-to-one with code points. Patterns naming specific astral code points are not supported.
/// </summary>
internal sealed class DotNetRegexPattern(Regex regex) : SplitPattern
{
    public override void FindMatches(ReadOnlySpan<byte> s, IntList triples)
    {
        var chars = System.Buffers.ArrayPool<char>.Shared.Rent(s.Length + 1);
        var offsets = System.Buffers.ArrayPool<int>.Shared.Rent(s.Length + 2);
        try
        {
            var n = 0;
            for (var i = 0; i < s.Length;)
            {
                var cp = CharClass.Decode(s, i, out var len);
                chars[n] = cp < 0x10000 ? (char)cp : StandIn(cp);
                offsets[n++] = i;
                i += len;
            }

            offsets[n] = s.Length;
            var prev = 0;
            foreach (var m in regex.EnumerateMatches(chars.AsSpan(0, n)))
            {
                var start = offsets[m.Index];
                var end = offsets[m.Index + m.Length];
                if (prev < start)
                {
                    triples.Add(prev, start, 0);
                }

                triples.Add(start, end, 1);
                prev = end;
            }

            if (prev < s.Length)
            {
                triples.Add(prev, s.Length, 0);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(chars);
            System.Buffers.ArrayPool<int>.Shared.Return(offsets);
        }
    }

    /// <summary>A BMP character of the same general category as the astral code point <paramref name="cp"/>.</summary>
    internal static char StandIn(int cp) => System.Globalization.CharUnicodeInfo.GetUnicodeCategory(cp) switch
    {
        System.Globalization.UnicodeCategory.UppercaseLetter => '\u2C00',
        System.Globalization.UnicodeCategory.LowercaseLetter => '\u2C30',
        System.Globalization.UnicodeCategory.TitlecaseLetter => '\u01C5',
        System.Globalization.UnicodeCategory.ModifierLetter => '\u02B0',
        System.Globalization.UnicodeCategory.OtherLetter => '\uA000',
        System.Globalization.UnicodeCategory.NonSpacingMark => '\u0300',
        System.Globalization.UnicodeCategory.SpacingCombiningMark => '\u0903',
        System.Globalization.UnicodeCategory.EnclosingMark => '\u20DD',
        System.Globalization.UnicodeCategory.DecimalDigitNumber => '\u0660',
        System.Globalization.UnicodeCategory.LetterNumber => '\u2160',
        System.Globalization.UnicodeCategory.OtherNumber => '\u00B2',
        System.Globalization.UnicodeCategory.ConnectorPunctuation => '\u203F',
        System.Globalization.UnicodeCategory.DashPunctuation => '\u2010',
        System.Globalization.UnicodeCategory.OpenPunctuation => '\u2045',
        System.Globalization.UnicodeCategory.ClosePunctuation => '\u2046',
        System.Globalization.UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        System.Globalization.UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        System.Globalization.UnicodeCategory.OtherPunctuation => '\u2E2E',
        System.Globalization.UnicodeCategory.MathSymbol => '\u2200',
        System.Globalization.UnicodeCategory.CurrencySymbol => '\u20A0',
        System.Globalization.UnicodeCategory.ModifierSymbol => '\u02C2',
        System.Globalization.UnicodeCategory.OtherSymbol => '\u2600',
        System.Globalization.UnicodeCategory.Format => '\u2060',
        System.Globalization.UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378', // unassigned
    };
}
