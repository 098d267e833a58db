using System.Text;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Ingest.Tests.Samples;

/// <summary>
/// An exact, deterministic tokenizer for tests: the given special-token strings are single tokens (ids 256+),
/// all other text is its UTF-8 bytes (ids 0..255). Optional multi-character pieces (ids after the specials) are
/// matched greedily, longest first, so a test can make a token straddle a span boundary on purpose.
/// </summary>
internal sealed class ByteTestTokenizer : ITokenizer
{
    private readonly string[] specials;
    private readonly string[] pieces;

    public ByteTestTokenizer(IEnumerable<string> specials, IEnumerable<string>? pieces = null)
    {
        this.specials = [.. specials.OrderByDescending(s => s.Length)];
        this.pieces = [.. (pieces ?? []).OrderByDescending(s => s.Length)];
    }

    public static IReadOnlyList<string> TemplateSpecials { get; } =
    [
        "<|im_start|>", "<|im_end|>", "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
        "<bos>", "<start_of_turn>", "<end_of_turn>", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>",
        "<｜Assistant｜>", "<s>", "</s>",
    ];

    public int VocabSize => 256 + specials.Length + pieces.Length;

    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        var ids = new List<int>();
        Span<byte> buf = stackalloc byte[4];
        var i = 0;
        while (i < text.Length)
        {
            var id = Match(text, i, specials, 256, out var len);
            if (id < 0)
            {
                id = Match(text, i, pieces, 256 + specials.Length, out len);
            }

            if (id >= 0)
            {
                ids.Add(id);
                i += len;
                continue;
            }

            var n = char.IsHighSurrogate(text[i]) && i + 1 < text.Length ? 2 : 1;
            var written = Encoding.UTF8.GetBytes(text.AsSpan(i, n), buf);
            for (var b = 0; b < written; b++)
            {
                ids.Add(buf[b]);
            }

            i += n;
        }

        return [.. ids];
    }

    private static int Match(string text, int at, string[] table, int baseId, out int length)
    {
        for (var k = 0; k < table.Length; k++)
        {
            if (string.CompareOrdinal(text, at, table[k], 0, table[k].Length) == 0 && at + table[k].Length <= text.Length)
            {
                length = table[k].Length;
                return baseId + Array.IndexOf(table, table[k]);
            }
        }

        length = 0;
        return -1;
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var sb = new StringBuilder();
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id < 256)
            {
                bytes.Add((byte)id);
                continue;
            }

            sb.Append(Encoding.UTF8.GetString([.. bytes]));
            bytes.Clear();
            if (id < 256 + specials.Length)
            {
                if (!skipSpecialTokens)
                {
                    sb.Append(specials[id - 256]);
                }
            }
            else
            {
                sb.Append(pieces[id - 256 - specials.Length]);
            }
        }

        return sb.Append(Encoding.UTF8.GetString([.. bytes])).ToString();
    }

    public int? TokenToId(string token)
    {
        var i = Array.IndexOf(specials, token);
        if (i >= 0)
        {
            return 256 + i;
        }

        i = Array.IndexOf(pieces, token);
        return i >= 0 ? 256 + specials.Length + i : null;
    }
}
