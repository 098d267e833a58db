using System.Buffers;
using System.Text;
using TokenClean.Ingest.Tokenization.Unicode;

namespace TokenClean.Ingest.Tokenization;

/// <summary>One entry of tokenizer.json's <c>added_tokens</c>.</summary>
internal sealed record AddedTokenSpec(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special);

/// <summary>
/// Finds added tokens in text the way HF's <c>AddedVocabulary::find_matches</c> does: an Aho-Corasick search with
/// leftmost-longest semantics (here a byte trie tried at each candidate position), then the single_word, lstrip and
/// rstrip rules. One matcher for the raw text (normalized=false tokens) and one for normalized text.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<long, int> _edges = [];
    private readonly List<int> _terminal = [-1];
    private readonly AddedTokenSpec[] _tokens;
    private readonly SearchValues<byte> _firstBytes;

    public AddedTokenMatcher(IReadOnlyList<(AddedTokenSpec Token, string Pattern)> tokens)
    {
        _tokens = new AddedTokenSpec[tokens.Count];
        var first = new HashSet<byte>();
        for (var t = 0; t < tokens.Count; t++)
        {
            _tokens[t] = tokens[t].Token;
            var bytes = Encoding.UTF8.GetBytes(tokens[t].Pattern);
            if (bytes.Length == 0)
            {
                continue;
            }

            first.Add(bytes[0]);
            var node = 0;
            foreach (var b in bytes)
            {
                var key = ((long)node << 8) | b;
                if (!_edges.TryGetValue(key, out var child))
                {
                    child = _terminal.Count;
                    _terminal.Add(-1);
                    _edges[key] = child;
                }

                node = child;
            }

            if (_terminal[node] < 0)
            {
                _terminal[node] = t; // the first token with a given pattern wins, as in the automaton
            }
        }

        _firstBytes = SearchValues.Create([.. first]);
    }

    /// <summary>Writes (start, end, id or -1) triples covering <paramref name="s"/>; an empty text yields none.</summary>
    public void Split(ReadOnlySpan<byte> s, IntList triples)
    {
        var startOffset = 0;
        var pos = 0;
        while (pos < s.Length)
        {
            var k = s[pos..].IndexOfAny(_firstBytes);
            if (k < 0)
            {
                break;
            }

            var p = pos + k;
            var (tokenIndex, length) = LongestAt(s, p);
            if (tokenIndex < 0)
            {
                pos = p + 1;
                continue;
            }

            var start = p;
            var stop = p + length;
            pos = stop;
            var token = _tokens[tokenIndex];
            if (token.SingleWord)
            {
                var startSpace = start == 0 || !EndsWithWord(s[..start]);
                var stopSpace = stop == s.Length || !StartsWithWord(s[stop..]);
                if (!startSpace || !stopSpace)
                {
                    continue;
                }
            }

            if (token.LStrip)
            {
                start = Math.Max(SpaceLeftmostAtEnd(s[..start]), startOffset);
            }

            if (token.RStrip)
            {
                stop += SpaceRightmostAtStart(s[stop..]);
            }

            if (startOffset < start)
            {
                triples.Add(startOffset, start, -1);
            }

            triples.Add(start, stop, token.Id);
            startOffset = stop;
        }

        if (startOffset < s.Length)
        {
            triples.Add(startOffset, s.Length, -1);
        }
    }

    private (int Token, int Length) LongestAt(ReadOnlySpan<byte> s, int p)
    {
        var node = 0;
        var best = -1;
        var bestLength = 0;
        for (var j = p; j < s.Length; j++)
        {
            if (!_edges.TryGetValue(((long)node << 8) | s[j], out node))
            {
                break;
            }

            if (_terminal[node] >= 0)
            {
                best = _terminal[node];
                bestLength = j + 1 - p;
            }
        }

        return (best, bestLength);
    }

    private static bool IsWordChar(int cp) => (CharClass.Of(cp) & (CharClass.Letter | CharClass.Number)) != 0 || cp == '_';

    private static bool EndsWithWord(ReadOnlySpan<byte> s)
    {
        var lead = s.Length - 1;
        while (lead > 0 && (s[lead] & 0xC0) == 0x80)
        {
            lead--;
        }

        return IsWordChar(CharClass.Decode(s, lead, out _));
    }

    private static bool StartsWithWord(ReadOnlySpan<byte> s) => IsWordChar(CharClass.Decode(s, 0, out _));

    private static int SpaceLeftmostAtEnd(ReadOnlySpan<byte> s)
    {
        var end = s.Length;
        while (end > 0)
        {
            var lead = end - 1;
            while (lead > 0 && (s[lead] & 0xC0) == 0x80)
            {
                lead--;
            }

            if (!CharClass.IsWhiteSpace(CharClass.Decode(s, lead, out _)))
            {
                break;
            }

            end = lead;
        }

        return end;
    }

    private static int SpaceRightmostAtStart(ReadOnlySpan<byte> s)
    {
        var i = 0;
        while (i < s.Length)
        {
            var cp = CharClass.Decode(s, i, out var len);
            if (!CharClass.IsWhiteSpace(cp))
            {
                break;
            }

            i += len;
        }

        return i;
    }
}
