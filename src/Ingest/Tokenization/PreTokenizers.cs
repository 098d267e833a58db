using TokenClean.Ingest.Tokenization.Unicode;

namespace TokenClean.Ingest.Tokenization;

/// <summary>HF's <c>SplitDelimiterBehavior</c>.</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

/// <summary>
/// Working state of pre-tokenization: the bytes of every piece live in <see cref="Bytes"/> and pieces are
/// (start, end) pairs into it. A step that rewrites text appends the new bytes and points its pieces there.
/// </summary>
internal sealed class PieceSet
{
    public readonly ByteBuffer Bytes = new(1024);
    public IntList Ranges = new(256);
    public IntList Next = new(256);
    public readonly IntList Triples = new(256);

    /// <summary>Whether the first piece starts at offset 0 of the original text (Metaspace's "first" scheme).</summary>
    public bool FirstAtStart;

    /// <summary>
    /// When offsets are tracked: one (start, end) pair of original-text positions per byte of <see cref="Bytes"/>;
    /// a step that appends bytes appends their alignment. Null on the ids-only path.
    /// </summary>
    public IntList? Align;

    public void Swap() => (Ranges, Next) = (Next, Ranges);

    /// <summary>Appends the alignment of byte <paramref name="from"/> <paramref name="count"/> times.</summary>
    public void AlignAs(int from, int count)
    {
        var (start, end) = (Align!.Array[2 * from], Align.Array[(2 * from) + 1]);
        for (var i = 0; i < count; i++)
        {
            Align.Add(start, end);
        }
    }

    /// <summary>Appends the alignment of the bytes <paramref name="from"/>..+<paramref name="count"/>.</summary>
    public void AlignCopy(int from, int count)
    {
        var align = Align!;
        for (var i = from; i < from + count; i++)
        {
            align.Add(align.Array[2 * i], align.Array[(2 * i) + 1]);
        }
    }
}

/// <summary>One pre-tokenizer step: turns the pieces of a <see cref="PieceSet"/> into finer pieces.</summary>
internal abstract class PreTokenizerStep
{
    /// <summary>Reads <see cref="PieceSet.Ranges"/>, writes <see cref="PieceSet.Next"/>; the caller swaps.</summary>
    public abstract void Apply(PieceSet set);

    /// <summary>HF's <c>NormalizedString::split</c>: apply a split behavior to (start, end, isMatch) triples.</summary>
    protected static void EmitSplit(IntList triples, SplitBehavior behavior, bool invert, int offset, IntList output)
    {
        var t = triples.Array;
        var count = triples.Count;
        var first = output.Count;
        var previousMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                for (var k = 0; k < count; k += 3)
                {
                    output.Add(offset + t[k], offset + t[k + 1]);
                }

                break;
            case SplitBehavior.Removed:
                for (var k = 0; k < count; k += 3)
                {
                    if ((t[k + 2] != 0) == invert)
                    {
                        output.Add(offset + t[k], offset + t[k + 1]);
                    }
                }

                break;
            case SplitBehavior.MergedWithPrevious:
                for (var k = 0; k < count; k += 3)
                {
                    var isMatch = (t[k + 2] != 0) != invert;
                    if (isMatch && !previousMatch && output.Count > first)
                    {
                        output.Array[output.Count - 1] = offset + t[k + 1];
                    }
                    else
                    {
                        output.Add(offset + t[k], offset + t[k + 1]);
                    }

                    previousMatch = isMatch;
                }

                break;
            case SplitBehavior.MergedWithNext:
                for (var k = count - 3; k >= 0; k -= 3)
                {
                    var isMatch = (t[k + 2] != 0) != invert;
                    if (isMatch && !previousMatch && output.Count > first)
                    {
                        output.Array[output.Count - 2] = offset + t[k];
                    }
                    else
                    {
                        output.Add(offset + t[k], offset + t[k + 1]);
                    }

                    previousMatch = isMatch;
                }

                output.Span[first..].Reverse();
                for (var k = first; k < output.Count; k += 2)
                {
                    (output.Array[k], output.Array[k + 1]) = (output.Array[k + 1], output.Array[k]);
                }

                break;
            case SplitBehavior.Contiguous:
                for (var k = 0; k < count; k += 3)
                {
                    var isMatch = (t[k + 2] != 0) != invert;
                    if (isMatch == previousMatch && output.Count > first)
                    {
                        output.Array[output.Count - 1] = offset + t[k + 1];
                    }
                    else
                    {
                        output.Add(offset + t[k], offset + t[k + 1]);
                    }

                    previousMatch = isMatch;
                }

                break;
        }

        // HF drops empty pieces (a regex that can match the empty string produces them).
        var w = first;
        for (var k = first; k < output.Count; k += 2)
        {
            if (output.Array[k] != output.Array[k + 1])
            {
                output.Array[w] = output.Array[k];
                output.Array[w + 1] = output.Array[k + 1];
                w += 2;
            }
        }

        output.RemoveLast(output.Count - w);
    }
}

/// <summary>HF's <c>Split</c> pre-tokenizer.</summary>
internal sealed class SplitStep(SplitPattern pattern, SplitBehavior behavior, bool invert) : PreTokenizerStep
{
    public SplitPattern Pattern => pattern;

    public bool IsPlainIsolated => behavior == SplitBehavior.Isolated && !invert;

    public override void Apply(PieceSet set)
    {
        set.Next.Clear();
        var r = set.Ranges;
        for (var k = 0; k < r.Count; k += 2)
        {
            var start = r[k];
            var piece = set.Bytes.Span[start..r[k + 1]];
            set.Triples.Clear();
            pattern.FindMatches(piece, set.Triples);
            EmitSplit(set.Triples, behavior, invert, start, set.Next);
        }
    }
}

/// <summary>HF's <c>ByteLevel</c> pre-tokenizer: optional prefix space and GPT-2 split; the byte mapping itself is
/// implicit, because the model works on the raw bytes of a byte-level vocabulary.</summary>
internal sealed class ByteLevelStep(bool addPrefixSpace, bool useRegex) : PreTokenizerStep
{
    public bool AddPrefixSpace => addPrefixSpace;

    public bool UseRegex => useRegex;

    public override void Apply(PieceSet set)
    {
        set.Next.Clear();
        var r = set.Ranges;
        for (var k = 0; k < r.Count; k += 2)
        {
            var start = r[k];
            var end = r[k + 1];
            if (addPrefixSpace && set.Bytes.Array[start] != (byte)' ')
            {
                var newStart = set.Bytes.Length;
                set.Bytes.Append((byte)' ');
                set.Bytes.EnsureCapacity(set.Bytes.Length + (end - start));
                set.Bytes.Append(set.Bytes.Array.AsSpan(start, end - start));
                if (set.Align is not null)
                {
                    set.AlignAs(start, 1); // HF's prepend: the space takes the first character's alignment
                    set.AlignCopy(start, end - start);
                }

                (start, end) = (newStart, set.Bytes.Length);
            }

            if (!useRegex)
            {
                set.Next.Add(start, end);
                continue;
            }

            set.Triples.Clear();
            Gpt2Pattern.Instance.FindMatches(set.Bytes.Span[start..end], set.Triples);
            EmitSplit(set.Triples, SplitBehavior.Isolated, false, start, set.Next);
        }
    }
}

/// <summary>HF's <c>Metaspace</c> pre-tokenizer (Mistral, older Llama conversions).</summary>
internal sealed class MetaspaceStep(string replacement, MetaspaceStep.Prepend scheme, bool split) : PreTokenizerStep
{
    private readonly byte[] _replacement = System.Text.Encoding.UTF8.GetBytes(replacement);
    private readonly LiteralPattern _pattern = new(System.Text.Encoding.UTF8.GetBytes(replacement));

    public enum Prepend
    {
        Always,
        First,
        Never,
    }

    public override void Apply(PieceSet set)
    {
        set.Next.Clear();
        var r = set.Ranges;
        for (var k = 0; k < r.Count; k += 2)
        {
            var start = r[k];
            var end = r[k + 1];
            var newStart = set.Bytes.Length;
            set.Bytes.EnsureCapacity(set.Bytes.Length + ((end - start) * _replacement.Length) + _replacement.Length);
            var prepend = scheme == Prepend.Always || (scheme == Prepend.First && k == 0 && set.FirstAtStart);
            var prepended = prepend && !StartsWithAfterReplace(set.Bytes.Array.AsSpan(start, end - start));
            if (prepended)
            {
                set.Bytes.Append(_replacement);
            }

            for (var i = start; i < end; i++)
            {
                var b = set.Bytes.Array[i];
                if (b == (byte)' ')
                {
                    set.Bytes.Append(_replacement);
                }
                else
                {
                    set.Bytes.Append(b);
                }
            }

            if (set.Align is not null)
            {
                AlignReplaced(set, start, end, prepended);
            }

            if (!split)
            {
                set.Next.Add(newStart, set.Bytes.Length);
                continue;
            }

            set.Triples.Clear();
            _pattern.FindMatches(set.Bytes.Span[newStart..], set.Triples);
            EmitSplit(set.Triples, SplitBehavior.MergedWithNext, false, newStart, set.Next);
        }
    }

    /// <summary>Offsets: a replacement takes its space's alignment, a prepended one the first character's.</summary>
    private void AlignReplaced(PieceSet set, int start, int end, bool prepended)
    {
        if (prepended)
        {
            if (end > start)
            {
                set.AlignAs(start, _replacement.Length);
            }
            else
            {
                for (var i = 0; i < _replacement.Length; i++)
                {
                    set.Align!.Add(0, 0); // an empty piece (none reaches here today): keep Align as long as Bytes
                }
            }
        }

        for (var i = start; i < end; i++)
        {
            set.AlignAs(i, set.Bytes.Array[i] == (byte)' ' ? _replacement.Length : 1);
        }
    }

    /// <summary>Whether the piece, after spaces become the replacement, starts with the replacement.</summary>
    private bool StartsWithAfterReplace(ReadOnlySpan<byte> piece) =>
        piece.StartsWith(_replacement) || (piece.Length > 0 && piece[0] == (byte)' ');
}

/// <summary>HF's <c>Digits</c> pre-tokenizer (Rust's <c>char::is_numeric</c>).</summary>
internal sealed class DigitsStep(bool individual) : PreTokenizerStep
{
    private readonly DigitsPattern _pattern = new(individual ? 1 : int.MaxValue);

    public override void Apply(PieceSet set)
    {
        set.Next.Clear();
        var r = set.Ranges;
        for (var k = 0; k < r.Count; k += 2)
        {
            set.Triples.Clear();
            _pattern.FindMatches(set.Bytes.Span[r[k]..r[k + 1]], set.Triples);
            EmitSplit(set.Triples, individual ? SplitBehavior.Isolated : SplitBehavior.Contiguous, false, r[k], set.Next);
        }
    }
}

/// <summary>HF's <c>WhitespaceSplit</c>: split on whitespace, dropping it.</summary>
internal sealed class WhitespaceSplitStep : PreTokenizerStep
{
    public override void Apply(PieceSet set)
    {
        set.Next.Clear();
        var r = set.Ranges;
        for (var k = 0; k < r.Count; k += 2)
        {
            var s = set.Bytes.Span;
            var wordStart = -1;
            for (var i = r[k]; i < r[k + 1];)
            {
                var cp = CharClass.Decode(s, i, out var len);
                var space = CharClass.IsWhiteSpace(cp);
                if (space && wordStart >= 0)
                {
                    set.Next.Add(wordStart, i);
                    wordStart = -1;
                }
                else if (!space && wordStart < 0)
                {
                    wordStart = i;
                }

                i += len;
            }

            if (wordStart >= 0)
            {
                set.Next.Add(wordStart, r[k + 1]);
            }
        }
    }
}
