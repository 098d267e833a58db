using System.Globalization;
using System.Runtime.CompilerServices;

namespace TokenClean.Ingest.Tokenization.Unicode;

/// <summary>
/// Unicode classes the pre-tokenizer patterns test (<c>\p{L}</c>, <c>\p{N}</c>, <c>\s</c>, ...), per code point,
/// and UTF-8 decoding helpers. The patterns run on code points, not UTF-16 units, so astral letters count as letters.
/// </summary>
internal static class CharClass
{
    public const byte Letter = 1;
    public const byte Number = 2;
    public const byte Space = 4;
    public const byte Mark = 8;
    public const byte Punct = 16;
    public const byte Symbol = 32;
    public const byte CrLf = 64;

    private static readonly byte[] Bmp = BuildBmp();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Of(int cp) => (uint)cp < 0x10000u ? Bmp[cp] : Compute(cp);

    /// <summary>Decodes the code point at <paramref name="i"/>; invalid bytes decode as U+FFFD of length 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Decode(ReadOnlySpan<byte> s, int i, out int length)
    {
        var b = s[i];
        if (b < 0x80)
        {
            length = 1;
            return b;
        }

        return DecodeSlow(s, i, out length);
    }

    /// <summary>Length in bytes of the UTF-8 sequence starting with <paramref name="lead"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SequenceLength(byte lead) => lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;

    /// <summary>Rust's <c>char::is_whitespace</c> (the White_Space property), which equals Oniguruma's <c>\s</c>.</summary>
    public static bool IsWhiteSpace(int cp) => (Of(cp) & Space) != 0;

    private static int DecodeSlow(ReadOnlySpan<byte> s, int i, out int length)
    {
        // The tokenizer's text is valid UTF-8 (made by Utf8.FromUtf16 or by the normalizers), so well-formed
        // sequences take this short path; anything else goes through Rune's validating decoder.
        var b0 = s[i];
        if (b0 >= 0xC2 && b0 < 0xE0 && i + 1 < s.Length && (s[i + 1] & 0xC0) == 0x80)
        {
            length = 2;
            return ((b0 & 0x1F) << 6) | (s[i + 1] & 0x3F);
        }

        if (b0 >= 0xE0 && b0 < 0xF0 && i + 2 < s.Length && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80)
        {
            var cp = ((b0 & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF))
            {
                length = 3;
                return cp;
            }
        }

        if (System.Text.Rune.DecodeFromUtf8(s[i..], out var rune, out length) != System.Buffers.OperationStatus.Done)
        {
            length = Math.Max(length, 1);
            return 0xFFFD;
        }

        return rune.Value;
    }

    private static byte[] BuildBmp()
    {
        var table = new byte[0x10000];
        for (var cp = 0; cp < 0x10000; cp++)
        {
            table[cp] = (cp >= 0xD800 && cp <= 0xDFFF) ? (byte)0 : Compute(cp);
        }

        return table;
    }

    private static byte Compute(int cp)
    {
        byte c = 0;
        if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85)
        {
            c |= Space;
        }

        if (cp == '\r' || cp == '\n')
        {
            c |= CrLf;
        }

        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                c |= Letter;
                break;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                c |= Number;
                break;
            case UnicodeCategory.SpaceSeparator:
            case UnicodeCategory.LineSeparator:
            case UnicodeCategory.ParagraphSeparator:
                c |= Space;
                break;
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.EnclosingMark:
                c |= Mark;
                break;
            case UnicodeCategory.ConnectorPunctuation:
            case UnicodeCategory.DashPunctuation:
            case UnicodeCategory.OpenPunctuation:
            case UnicodeCategory.ClosePunctuation:
            case UnicodeCategory.InitialQuotePunctuation:
            case UnicodeCategory.FinalQuotePunctuation:
            case UnicodeCategory.OtherPunctuation:
                c |= Punct;
                break;
            case UnicodeCategory.MathSymbol:
            case UnicodeCategory.CurrencySymbol:
            case UnicodeCategory.ModifierSymbol:
            case UnicodeCategory.OtherSymbol:
                c |= Symbol;
                break;
        }

        return c;
    }
}
