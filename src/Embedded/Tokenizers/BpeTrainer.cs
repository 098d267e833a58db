using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TokenClean.Embedded.Tokenizers;

/// <summary>
/// Trains a small byte-level BPE vocabulary and writes it as a Hugging Face <c>tokenizer.json</c> (Qwen-style:
/// NFC, Split with the Qwen regex, ByteLevel without its own regex). Used to make self-contained demos and test
/// fixtures: no tokenizer can be downloaded here, and a small vocabulary keeps random demo models small.
/// </summary>
/// <remarks>Naive O(merges × distinct words) training: meant for corpora of kilobytes to a few megabytes.</remarks>
public static partial class BpeTrainer
{
    /// <summary>The pre-tokenizer pattern written into the tokenizer.json (the one Qwen2/Qwen3 use).</summary>
    public const string SplitPattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Learns up to <paramref name="merges"/> merges from <paramref name="texts"/>.</summary>
    /// <returns>The tokenizer.json document: 256 byte tokens, then merged tokens, then <paramref name="specialTokens"/>.</returns>
    public static string Train(IEnumerable<string> texts, int merges, IReadOnlyList<string> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(specialTokens);
        var byteChar = ByteLevelAlphabet();

        // Word frequencies over pre-tokenized pieces, each word a list of byte-level symbols.
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            // No NFC here: string.Normalize is a no-op under InvariantGlobalization; merges learned on raw text are still valid BPE.
            foreach (Match m in PreTokenizer().Matches(text))
            {
                var mapped = string.Concat(Encoding.UTF8.GetBytes(m.Value).Select(b => byteChar[b]));
                words[mapped] = words.GetValueOrDefault(mapped) + 1;
            }
        }

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var b = 0; b < 256; b++)
        {
            vocab[byteChar[b].ToString()] = b;
        }

        var split = words.Select(w => (Symbols: w.Key.Select(c => c.ToString()).ToList(), Count: w.Value)).ToList();
        var mergeList = new List<(string Left, string Right)>();
        while (mergeList.Count < merges)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in split)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var key = (symbols[i], symbols[i + 1]);
                    pairs[key] = pairs.GetValueOrDefault(key) + count;
                }
            }

            if (pairs.Count == 0)
            {
                break;
            }

            // Most frequent pair; ties broken by the pair's text so training is deterministic.
            var best = pairs.OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .First();
            if (best.Value < 2)
            {
                break;
            }

            var (left, right) = best.Key;
            var merged = left + right;
            mergeList.Add((left, right));
            vocab.TryAdd(merged, vocab.Count);
            foreach (var (symbols, _) in split)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == left && symbols[i + 1] == right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }

        return Write(vocab, mergeList, specialTokens);
    }

    private static string Write(Dictionary<string, int> vocab, List<(string Left, string Right)> merges, IReadOnlyList<string> specials)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            for (var i = 0; i < specials.Count; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", vocab.Count + i);
                w.WriteString("content", specials[i]);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("special", true);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("normalizer");
            w.WriteString("type", "NFC");
            w.WriteEndObject();
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            w.WriteStartObject();
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", SplitPattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
            WriteByteLevel(w, null);
            w.WriteEndArray();
            w.WriteEndObject();
            WriteByteLevel(w, "post_processor");
            WriteByteLevel(w, "decoder");
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            w.WriteNull("unk_token");
            w.WriteString("continuing_subword_prefix", "");
            w.WriteString("end_of_word_suffix", "");
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            foreach (var (token, id) in vocab.OrderBy(v => v.Value))
            {
                w.WriteNumber(token, id);
            }

            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (left, right) in merges)
            {
                w.WriteStartArray();
                w.WriteStringValue(left);
                w.WriteStringValue(right);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? property)
    {
        if (property is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(property);
        }

        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }

    /// <summary>GPT-2's reversible byte → printable character table used by byte-level BPE.</summary>
    private static char[] ByteLevelAlphabet()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    [GeneratedRegex(SplitPattern, RegexOptions.CultureInvariant)]
    private static partial Regex PreTokenizer();
}
