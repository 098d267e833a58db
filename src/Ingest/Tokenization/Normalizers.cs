using System.Text;
using System.Text.RegularExpressions;
using TokenClean.Ingest.Tokenization.Unicode;

namespace TokenClean.Ingest.Tokenization;

/// <summary>A tokenizer.json normalizer over UTF-8. Stateless, so one instance serves every thread.</summary>
internal abstract class TextNormalizer
{
    /// <summary>Writes the normalized text into <paramref name="dst"/>; returns false when unchanged (dst is then scratch to ignore).</summary>
    public abstract bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst);

    /// <summary>Normalizes a string (added-token contents, at load time).</summary>
    public string Normalize(string s)
    {
        var dst = new ByteBuffer();
        return Normalize(Encoding.UTF8.GetBytes(s), dst) ? Encoding.UTF8.GetString(dst.Span) : s;
    }
}

/// <summary>NFC, NFD, NFKC, NFKD.</summary>
internal sealed class UnicodeFormNormalizer(bool compose, bool compat) : TextNormalizer
{
    public override bool Normalize(ReadOnlySpan<byte> src, ByteBuffer dst) => UnicodeNormalizer.Normalize(src, dst, compose, compat);
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
}
