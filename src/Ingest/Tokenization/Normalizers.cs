// Why one file of ~420 lines: every tokenizer.json normalizer kind (NFC/NFKC, Lowercase, Prepend, Replace, Strip,
// Sequence, ...) is a small class of the same shape; together they are the one concept "normalizer".
using System.Text;
using System.Text.RegularExpressions;
using TokenClean.Ingest.Tokenization.Unicode;

namespace TokenClean.Ingest.Tokenization;

/// <summary>A tokenizer.json normalizer over UTF-8. Stateless, so one instance serves every thread.</summary>
internal abstract class TextNormalizer
{
    /// <summary>Writes the normalized text into <paramref name="dst"/>; returns false when unchanged (dst is then scratch to ignore).</summary>
    public abstract bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst);

    /// <summary>
    /// Normalizes as <see cref="Normalize(ReadOnlySpan{byte}, ByteBuffer)"/> does (always writing <paramref name="dst"/>)
    /// and tracks where each output byte comes from: <paramref name="srcAlign"/> and <paramref name="dstAlign"/> hold
    /// one (start, end) pair of original-text positions per byte, following the alignment rules of HF's
    /// <c>NormalizedString</c> (a changed character keeps the position of the one it replaces, an inserted one takes
    /// its predecessor's, a removed one vanishes). Only the offset-tracking encode calls it.
    /// </summary>
    public abstract void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign);

    /// <summary>Normalizes a string (added-token contents, at load time).</summary>
    public string Normalize(string s)
    {
        var dst = new ByteBuffer();
        return Normalize(Encoding.UTF8.GetBytes(s), dst) ? Encoding.UTF8.GetString(dst.Span) : s;
    }

    /// <summary>Appends bytes that keep their own alignment.</summary>
    protected static void CopyAligned(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> align, ByteBuffer dst, IntList dstAlign)
    {
        dst.Append(bytes);
        dstAlign.AddRange(align[..(2 * bytes.Length)]);
    }

    /// <summary>Appends bytes that all take the alignment of source byte <paramref name="from"/>.</summary>
    protected static void AppendAs(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> srcAlign, int from, ByteBuffer dst, IntList dstAlign)
    {
        dst.Append(bytes);
        var (start, end) = from >= 0 ? (srcAlign[2 * from], srcAlign[(2 * from) + 1]) : (0, 0);
        for (var i = 0; i < bytes.Length; i++)
        {
            dstAlign.Add(start, end);
        }
    }
}

/// <summary>NFC, NFD, NFKC, NFKD.</summary>
internal sealed class UnicodeFormNormalizer(bool compose, bool compat) : TextNormalizer
{
    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst) => UnicodeNormalizer.Normalize(src, dst, compose, compat);

    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        dst.Clear();
        dstAlign.Clear();
        UnicodeNormalizer.NormalizeAligned(src, srcAlign, dst, dstAlign, compose, compat);
    }
}

/// <summary>Applies normalizers in order (nested sequences are flattened at load time).</summary>
internal sealed class SequenceNormalizer(TextNormalizer[] items) : TextNormalizer
{
    [ThreadStatic]
    private static ByteBuffer? t_tmp;

    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst)
    {
        var tmp = t_tmp ??= new ByteBuffer();
        var changed = false;
        var current = src;
        foreach (var item in items)
        {
            if (item.Normalize(current, tmp))
            {
                dst.Clear();
                dst.Append(tmp.Span);
                current = dst.Span;
                changed = true;
            }
        }

        return changed;
    }

    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        var a = new ByteBuffer(src.Length + 16);
        var aAlign = new IntList((2 * src.Length) + 32);
        var b = new ByteBuffer(src.Length + 16);
        var bAlign = new IntList((2 * src.Length) + 32);
        a.Append(src);
        aAlign.AddRange(srcAlign[..(2 * src.Length)]);
        foreach (var item in items)
        {
            item.NormalizeAligned(a.Span, aAlign.Span, b, bAlign);
            (a, b) = (b, a);
            (aAlign, bAlign) = (bAlign, aAlign);
        }

        dst.Clear();
        dstAlign.Clear();
        CopyAligned(a.Span, aAlign.Span, dst, dstAlign);
    }
}

/// <summary>Prepends a string to non-empty text (Llama 2's "▁").</summary>
internal sealed class PrependNormalizer(string prefix) : TextNormalizer
{
    private readonly byte[] _prefix = Encoding.UTF8.GetBytes(prefix);

    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst)
    {
        if (src.IsEmpty)
        {
            return false;
        }

        dst.Clear();
        dst.Append(_prefix);
        dst.Append(src);
        return true;
    }

    // HF's prepend: the prefix takes the alignment of the first character.
    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        dst.Clear();
        dstAlign.Clear();
        if (src.IsEmpty)
        {
            return;
        }

        AppendAs(_prefix, srcAlign, 0, dst, dstAlign);
        CopyAligned(src, srcAlign, dst, dstAlign);
    }
}

/// <summary>Replaces every occurrence of a literal string.</summary>
internal sealed class ReplaceNormalizer(string pattern, string content) : TextNormalizer
{
    private readonly byte[] _pattern = Encoding.UTF8.GetBytes(pattern);
    private readonly byte[] _content = Encoding.UTF8.GetBytes(content);

    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst)
    {
        if (_pattern.Length == 0)
        {
            return false;
        }

        var k = src.IndexOf(_pattern);
        if (k < 0)
        {
            return false;
        }

        dst.Clear();
        while (k >= 0)
        {
            dst.Append(src[..k]);
            dst.Append(_content);
            src = src[(k + _pattern.Length)..];
            k = src.IndexOf(_pattern);
        }

        dst.Append(src);
        return true;
    }

    // HF's replace: the content takes the alignment of the last character of the match.
    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        dst.Clear();
        dstAlign.Clear();
        var pos = 0;
        var k = _pattern.Length == 0 ? -1 : src.IndexOf(_pattern);
        while (k >= 0)
        {
            var at = pos + k;
            CopyAligned(src[pos..at], srcAlign[(2 * pos)..], dst, dstAlign);
            AppendAs(_content, srcAlign, at + _pattern.Length - 1, dst, dstAlign);
            pos = at + _pattern.Length;
            k = src[pos..].IndexOf(_pattern);
        }

        CopyAligned(src[pos..], srcAlign[(2 * pos)..], dst, dstAlign);
    }
}

/// <summary>Replaces regex matches (.NET's engine on UTF-16; see <see cref="DotNetRegexPattern"/>).</summary>
internal sealed class RegexReplaceNormalizer(Regex regex, string content) : TextNormalizer
{
    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst)
    {
        var text = Encoding.UTF8.GetString(src);
        var replaced = regex.Replace(text, content.Replace("$", "$$", StringComparison.Ordinal));
        if (string.Equals(replaced, text, StringComparison.Ordinal))
        {
            return false;
        }

        dst.Clear();
        dst.Append(Encoding.UTF8.GetBytes(replaced));
        return true;
    }

    // As the literal Replace: the content takes the alignment of the match's last character (an empty match, of
    // the character before it).
    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        dst.Clear();
        dstAlign.Clear();
        var text = Encoding.UTF8.GetString(src);
        var contentBytes = Encoding.UTF8.GetBytes(content);
        var bytePos = 0;
        var charPos = 0;
        foreach (var m in regex.EnumerateMatches(text))
        {
            var matchStart = bytePos + Encoding.UTF8.GetByteCount(text.AsSpan(charPos, m.Index - charPos));
            var matchEnd = matchStart + Encoding.UTF8.GetByteCount(text.AsSpan(m.Index, m.Length));
            CopyAligned(src[bytePos..matchStart], srcAlign[(2 * bytePos)..], dst, dstAlign);
            AppendAs(contentBytes, srcAlign, matchEnd - 1, dst, dstAlign);
            bytePos = matchEnd;
            charPos = m.Index + m.Length;
        }

        CopyAligned(src[bytePos..], srcAlign[(2 * bytePos)..], dst, dstAlign);
    }
}

/// <summary>Strips whitespace (Rust's <c>char::is_whitespace</c>) from the left and/or right.</summary>
internal sealed class StripNormalizer(bool left, bool right) : TextNormalizer
{
    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst)
    {
        var start = 0;
        var end = src.Length;
        if (left)
        {
            while (start < end)
            {
                var cp = CharClass.Decode(src, start, out var len);
                if (!CharClass.IsWhiteSpace(cp))
                {
                    break;
                }

                start += len;
            }
        }

        if (right)
        {
            while (end > start)
            {
                var lead = end - 1;
                while (lead > start && (src[lead] & 0xC0) == 0x80)
                {
                    lead--;
                }

                if (!CharClass.IsWhiteSpace(CharClass.Decode(src, lead, out _)))
                {
                    break;
                }

                end = lead;
            }
        }

        if (start == 0 && end == src.Length)
        {
            return false;
        }

        dst.Clear();
        dst.Append(src[start..end]);
        return true;
    }

    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        var tmp = new ByteBuffer(src.Length + 1);
        var (start, end) = (0, src.Length);
        if (Normalize(src, tmp))
        {
            // The kept text is one contiguous slice of the source: find where it starts.
            start = left ? src.Length - tmp.Length - (right ? TrailingWhiteSpace(src) : 0) : 0;
            end = start + tmp.Length;
        }

        dst.Clear();
        dstAlign.Clear();
        CopyAligned(src[start..end], srcAlign[(2 * start)..], dst, dstAlign);
    }

    private static int TrailingWhiteSpace(ReadOnlySpan<byte> src)
    {
        var end = src.Length;
        while (end > 0)
        {
            var lead = end - 1;
            while (lead > 0 && (src[lead] & 0xC0) == 0x80)
            {
                lead--;
            }

            if (!CharClass.IsWhiteSpace(CharClass.Decode(src, lead, out _)))
            {
                break;
            }

            end = lead;
        }

        return src.Length - end;
    }
}

/// <summary>Removes combining marks, all three categories Mn, Mc, Me (HF's StripAccents uses
/// <c>is_combining_mark</c>, so Devanagari vowel signs and U+20E3 go too); used after NFD.</summary>
internal sealed class StripAccentsNormalizer : TextNormalizer
{
    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst)
    {
        dst.Clear();
        var changed = false;
        for (var i = 0; i < src.Length;)
        {
            var cp = CharClass.Decode(src, i, out var len);
            if ((CharClass.Of(cp) & CharClass.Mark) != 0)
            {
                changed = true;
            }
            else
            {
                dst.Append(src.Slice(i, len));
            }

            i += len;
        }

        return changed;
    }

    // HF's filter: a kept character keeps its alignment, a removed one vanishes.
    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        dst.Clear();
        dstAlign.Clear();
        for (var i = 0; i < src.Length;)
        {
            var cp = CharClass.Decode(src, i, out var len);
            if ((CharClass.Of(cp) & CharClass.Mark) == 0)
            {
                CopyAligned(src.Slice(i, len), srcAlign[(2 * i)..], dst, dstAlign);
            }

            i += len;
        }
    }
}

/// <summary>
/// Lowercases per code point, as HF does with Rust's <c>char::to_lowercase</c>: simple case mapping plus
/// U+0130 → "i̇"; per-character mapping has no final-sigma context, so Σ is always σ (checked against HF).
/// </summary>
internal sealed class LowercaseNormalizer : TextNormalizer
{
    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst)
    {
        dst.Clear();
        var changed = false;
        for (var i = 0; i < src.Length;)
        {
            var cp = CharClass.Decode(src, i, out var len);
            i += len;
            if (cp == 0x130)
            {
                dst.Append("i\u0307"u8);
                changed = true;
                continue;
            }

            var lower = Rune.ToLowerInvariant(new Rune(cp)).Value;
            changed |= lower != cp;
            dst.AppendRune(lower);
        }

        return changed;
    }

    // Every character a source character lowercases to takes its alignment.
    public override void NormalizeAligned(ReadOnlySpan<byte> src, ReadOnlySpan<int> srcAlign, ByteBuffer dst, IntList dstAlign)
    {
        dst.Clear();
        dstAlign.Clear();
        Span<byte> one = stackalloc byte[4];
        for (var i = 0; i < src.Length;)
        {
            var cp = CharClass.Decode(src, i, out var len);
            if (cp == 0x130)
            {
                AppendAs("i\u0307"u8, srcAlign, i, dst, dstAlign);
            }
            else
            {
                var n = Rune.ToLowerInvariant(new Rune(cp)).EncodeToUtf8(one);
                AppendAs(one[..n], srcAlign, i, dst, dstAlign);
            }

            i += len;
        }
    }
}
