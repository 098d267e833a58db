using System.Text;
using Microsoft.ML.Tokenizers;

namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// Encoding with character offsets. Every byte the pipeline works on carries the (start, end) UTF-16 range of the
/// input character it comes from, through the same steps as <see cref="EncodeCore"/>: added tokens, normalizer,
/// pre-tokenizer, model and post-processor. The ids-only path never pays for it.
/// </summary>
public sealed partial class HfTokenizer
{
    /// <summary>
    /// Encodes <paramref name="text"/> into tokens with their offsets in it: UTF-16 index ranges, as HF tokenizers'
    /// <c>encode_char_offsets</c> gives them (there in code points). A token that holds part of a character (a
    /// byte-level token of a split UTF-8 sequence, a byte-fallback token) covers the whole character, so
    /// neighbouring tokens can share it; a special token added by the post-processor has the empty range 0..0.
    /// </summary>
    /// <param name="text">The text to encode.</param>
    /// <param name="addSpecialTokens">Apply the post-processor's template (e.g. BOS/EOS).</param>
    /// <param name="normalize">Run the normalizer (HF always does; false is <see cref="EncodeSettings.ConsiderNormalization"/>).</param>
    /// <param name="preTokenize">Run the pre-tokenizer (false is <see cref="EncodeSettings.ConsiderPreTokenization"/>).</param>
    public List<EncodedToken> EncodeWithOffsets(ReadOnlySpan<char> text, bool addSpecialTokens = false, bool normalize = true, bool preTokenize = true)
    {
        var tokens = new List<EncodedToken>(text.Length / 3 + 4);
        var s = Rent();
        try
        {
            var utf8 = new ByteBuffer(Math.Max(16, text.Length * 3));
            var align = new IntList(Math.Max(16, text.Length * 6));
            for (var i = 0; i < text.Length;)
            {
                // A lone surrogate becomes U+FFFD, as in EncodeCore; it keeps its one UTF-16 unit as its range.
                Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
                var before = utf8.Length;
                utf8.AppendRune(rune.Value);
                for (var b = before; b < utf8.Length; b++)
                {
                    align.Add(i, i + consumed);
                }

                i += consumed;
            }

            var bytes = utf8.Span;
            if (_rawTokens is null)
            {
                EncodeSegmentWithOffsets(bytes, align.Span, atStart: true, normalize, preTokenize, s, tokens);
            }
            else
            {
                var segments = new IntList();
                _rawTokens.Split(bytes, segments);
                for (var k = 0; k < segments.Count; k += 3)
                {
                    var (start, end, id) = (segments[k], segments[k + 1], segments[k + 2]);
                    if (id >= 0)
                    {
                        tokens.Add(new EncodedToken(id, _addedById[id].Content, new Range(align[2 * start], align[(2 * end) - 1])));
                    }
                    else
                    {
                        EncodeSegmentWithOffsets(bytes[start..end], align.Span[(2 * start)..(2 * end)], start == 0, normalize, preTokenize, s, tokens);
                    }
                }
            }
        }
        finally
        {
            Return(s);
        }

        if (_post.TrimOffsets)
        {
            TrimOffsets(text, tokens);
        }

        if (addSpecialTokens)
        {
            var prefix = new List<EncodedToken>(_post.Prefix.Length + tokens.Count + _post.Suffix.Length);
            foreach (var id in _post.Prefix)
            {
                prefix.Add(new EncodedToken(id, IdToToken(id) ?? string.Empty, new Range(0, 0)));
            }

            prefix.AddRange(tokens);
            foreach (var id in _post.Suffix)
            {
                prefix.Add(new EncodedToken(id, IdToToken(id) ?? string.Empty, new Range(0, 0)));
            }

            tokens = prefix;
        }

        return tokens;
    }

    private void EncodeSegmentWithOffsets(
        ReadOnlySpan<byte> text, ReadOnlySpan<int> align, bool atStart, bool normalize, bool preTokenize, Scratch s, List<EncodedToken> tokens)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (normalize && _normalizer is not null)
        {
            var normalized = new ByteBuffer(text.Length + 16);
            var normalizedAlign = new IntList((2 * text.Length) + 32);
            _normalizer.NormalizeAligned(text, align, normalized, normalizedAlign);
            text = normalized.Span;
            align = normalizedAlign.Span;
        }

        if (_normalizedTokens is null)
        {
            PreTokenizeAndModelWithOffsets(text, align, atStart, preTokenize, s, tokens);
            return;
        }

        var segments = new IntList();
        _normalizedTokens.Split(text, segments);
        for (var k = 0; k < segments.Count; k += 3)
        {
            var (start, end, id) = (segments[k], segments[k + 1], segments[k + 2]);
            if (id >= 0)
            {
                tokens.Add(new EncodedToken(id, _addedById[id].Content, new Range(align[2 * start], align[(2 * end) - 1])));
            }
            else
            {
                PreTokenizeAndModelWithOffsets(text[start..end], align[(2 * start)..(2 * end)], atStart && start == 0, preTokenize, s, tokens);
            }
        }
    }

    private void PreTokenizeAndModelWithOffsets(
        ReadOnlySpan<byte> text, ReadOnlySpan<int> align, bool atStart, bool preTokenize, Scratch s, List<EncodedToken> tokens)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (_steps.Length == 0 || !preTokenize)
        {
            ModelWithOffsets(text, align, s, tokens);
            return;
        }

        // The general piece path (the fused split loop of EncodeCore gives the same pieces), with alignments.
        var set = new PieceSet { Align = new IntList(align.Length + 16), FirstAtStart = atStart };
        set.Bytes.Append(text);
        set.Align.AddRange(align);
        set.Ranges.Add(0, text.Length);
        foreach (var step in _steps)
        {
            step.Apply(set);
            set.Swap();
        }

        var r = set.Ranges;
        for (var k = 0; k < r.Count; k += 2)
        {
            ModelWithOffsets(set.Bytes.Span[r[k]..r[k + 1]], set.Align.Span[(2 * r[k])..(2 * r[k + 1])], s, tokens);
        }
    }

    private void ModelWithOffsets(ReadOnlySpan<byte> word, ReadOnlySpan<int> align, Scratch s, List<EncodedToken> tokens)
    {
        s.Ids.Clear();
        _model.Tokenize(word, s.Bpe, s.Ids);
        var pos = 0;
        foreach (var id in s.Ids.Span)
        {
            var start = Math.Min(pos, word.Length - 1);
            var end = start + Math.Max(1, Math.Min(_model.TokenLength(word, start, id), word.Length - start));
            tokens.Add(new EncodedToken(id, _model.IdToToken(id) ?? string.Empty, new Range(align[2 * start], align[(2 * end) - 1])));
            pos = end;
        }
    }

    /// <summary>
    /// HF's <c>process_offsets</c> (ByteLevel and RobertaProcessing with <c>trim_offsets</c>): a token whose string
    /// starts or ends with spaces ('Ġ' or whitespace) loses them from its range, except the one space the processor's
    /// add_prefix_space put before the first token. HF moves the bounds by code points, so the bounds move by code
    /// points here too (a space that a pre-tokenizer prepended takes the range of the character after it, which can
    /// be two UTF-16 units).
    /// </summary>
    private void TrimOffsets(ReadOnlySpan<char> text, List<EncodedToken> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var value = token.Value;
            var leading = 0;
            while (leading < value.Length && IsTrimmedSpace(value[leading]))
            {
                leading++;
            }

            var trailing = 0;
            while (trailing < value.Length && IsTrimmedSpace(value[value.Length - 1 - trailing]))
            {
                trailing++;
            }

            if (leading == 0 && trailing == 0)
            {
                continue;
            }

            var (start, end) = (token.Offset.Start.Value, token.Offset.End.Value);
            if (leading > 0)
            {
                var isFirst = i == 0 || start == 0;
                if (!(isFirst && _post.TrimKeepsPrefixSpace && leading == 1))
                {
                    start = Math.Min(AdvanceCodePoints(text, start, leading), end);
                }
            }

            if (trailing > 0 && RetreatCodePoints(text, end, trailing) is var back && back >= 0)
            {
                end = Math.Max(back, start);
            }

            tokens[i] = new EncodedToken(token.Id, value, new Range(start, end));
        }
    }

    private static int AdvanceCodePoints(ReadOnlySpan<char> text, int index, int count)
    {
        for (var k = 0; k < count && index < text.Length; k++)
        {
            index += char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;
        }

        return index;
    }

    /// <summary>The index <paramref name="count"/> code points before <paramref name="index"/>, or -1 when there are fewer.</summary>
    private static int RetreatCodePoints(ReadOnlySpan<char> text, int index, int count)
    {
        for (var k = 0; k < count; k++)
        {
            if (index <= 0)
            {
                return -1;
            }

            index -= index >= 2 && char.IsLowSurrogate(text[index - 1]) && char.IsHighSurrogate(text[index - 2]) ? 2 : 1;
        }

        return index;
    }

    private static bool IsTrimmedSpace(char c) => c == ByteLevelAlphabet.ByteToChar[' '] || Unicode.CharClass.IsWhiteSpace(c);
}
