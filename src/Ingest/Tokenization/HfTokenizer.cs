using System.Collections.Concurrent;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> with a BPE model (byte-level as GPT-2, Llama 3, Qwen, DeepSeek; or
/// SentencePiece-style as Llama 2, Mistral, Gemma), producing the same ids as HF tokenizers: added and special
/// tokens, normalizer, pre-tokenizer, model, post-processor and decoder as the file describes them. It is a
/// Microsoft.ML.Tokenizers <see cref="Tokenizer"/> (usable wherever that type is accepted, with offsets equal to HF's)
/// and the sample code's <see cref="ITokenizer"/>.
/// </summary>
/// <remarks>
/// Thread-safe: every call rents its own working buffers (and BPE word cache), so one instance can serve a
/// parallel tokenization stage. Text is handled as UTF-8; a lone UTF-16 surrogate becomes U+FFFD, as HF's Node
/// binding does. <see cref="FromFile"/> throws <see cref="TokenizerLoadException"/> for a missing file, malformed
/// JSON or an unsupported component (e.g. WordPiece, Unigram or WordLevel models).
/// </remarks>
public sealed partial class HfTokenizer : Tokenizer, ITokenizer
{
    private readonly BpeModel _model;
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizerStep[] _steps;
    private readonly MatcherPattern? _fastSplit;
    private readonly AddedTokenMatcher? _rawTokens;
    private readonly AddedTokenMatcher? _normalizedTokens;
    private readonly Dictionary<string, int> _addedByContent;
    private readonly Dictionary<int, AddedTokenSpec> _addedById;
    private readonly PostProcessor _post;
    private readonly TokenDecoder? _decoder;
    private readonly ConcurrentBag<Scratch> _pool = [];
    private Scratch? _cachedScratch;

    private HfTokenizer(
        string path,
        BpeModel model,
        TextNormalizer? normalizer,
        PreTokenizerStep[] steps,
        IReadOnlyList<AddedTokenSpec> added,
        PostProcessor post,
        TokenDecoder? decoder)
    {
        SourcePath = path;
        _model = model;
        _normalizer = normalizer;
        _steps = steps;
        _post = post;
        _decoder = decoder;
        _addedByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        _addedById = [];
        var raw = new List<(AddedTokenSpec, string)>();
        var normalized = new List<(AddedTokenSpec, string)>();
        var maxId = model.MaxId;
        foreach (var token in added)
        {
            _addedByContent.TryAdd(token.Content, token.Id);
            _addedById.TryAdd(token.Id, token);
            maxId = Math.Max(maxId, token.Id);
            if (token.Content.Length == 0)
            {
                continue;
            }

            if (token.Normalized)
            {
                normalized.Add((token, normalizer is null ? token.Content : normalizer.Normalize(token.Content)));
            }
            else
            {
                raw.Add((token, token.Content));
            }
        }

        VocabSize = maxId + 1;
        _rawTokens = raw.Count > 0 ? new AddedTokenMatcher(raw) : null;
        _normalizedTokens = normalized.Count > 0 ? new AddedTokenMatcher(normalized) : null;

        // The common shapes get a fused loop: split matches go straight to the model, no piece list.
        if (steps.Length == 2 && steps[0] is SplitStep { IsPlainIsolated: true, Pattern: MatcherPattern m }
            && steps[1] is ByteLevelStep { AddPrefixSpace: false, UseRegex: false })
        {
            _fastSplit = m;
        }
        else if (steps.Length == 1 && steps[0] is ByteLevelStep { AddPrefixSpace: false, UseRegex: true })
        {
            _fastSplit = Gpt2Pattern.Instance;
        }
        else if (steps.Length == 1 && steps[0] is SplitStep { IsPlainIsolated: true, Pattern: MatcherPattern single })
        {
            _fastSplit = single;
        }
    }

    /// <summary>The tokenizer.json this instance was loaded from.</summary>
    public string SourcePath { get; }

    /// <inheritdoc/>
    /// <remarks>The largest id of the vocabulary or the added tokens, plus one (the embedding rows a model needs).</remarks>
    public int VocabSize { get; }

    /// <inheritdoc/>
    public int[] Encode(string text, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(text.AsSpan(), addSpecialTokens);
    }

    /// <summary>Encodes text; special-token strings inside it are matched as tokens, as HF does.</summary>
    /// <param name="text">The text to encode.</param>
    /// <param name="addSpecialTokens">Apply the post-processor's template (e.g. BOS/EOS).</param>
    public int[] Encode(ReadOnlySpan<char> text, bool addSpecialTokens = false)
    {
        var s = Rent();
        try
        {
            EncodeCore(text, addSpecialTokens, s);
            return s.Ids.Span.ToArray();
        }
        finally
        {
            Return(s);
        }
    }

    /// <summary>Encodes text and appends the ids to <paramref name="destination"/> (no result array).</summary>
    /// <returns>The number of ids appended.</returns>
    public int Encode(ReadOnlySpan<char> text, List<int> destination, bool addSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var s = Rent();
        try
        {
            EncodeCore(text, addSpecialTokens, s);
            destination.AddRange(s.Ids.Span);
            return s.Ids.Count;
        }
        finally
        {
            Return(s);
        }
    }

    /// <inheritdoc/>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            string? token;
            if (_addedById.TryGetValue(id, out var added))
            {
                if (skipSpecialTokens && added.Special)
                {
                    continue;
                }

                token = added.Content;
            }
            else
            {
                token = _model.IdToToken(id);
                if (token is null || (skipSpecialTokens && IsSpecial(token)))
                {
                    continue;
                }
            }

            tokens.Add(token);
        }

        if (_decoder is null)
        {
            return string.Join(' ', tokens);
        }

        _decoder.DecodeChain(tokens);
        return string.Concat(tokens);
    }

    /// <inheritdoc/>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_addedByContent.TryGetValue(token, out var id) || _model.Vocab.TryGetValue(token, out id))
        {
            return id;
        }

        return null;
    }

    /// <summary>The string of an id (added token content or vocabulary entry), or null when there is none.</summary>
    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var added) ? added.Content : _model.IdToToken(id);

    private bool IsSpecial(string token) =>
        _addedByContent.TryGetValue(token, out var id) && _addedById.TryGetValue(id, out var spec) && spec.Special;

    private void EncodeCore(ReadOnlySpan<char> text, bool addSpecialTokens, Scratch s)
    {
        s.Ids.Clear();
        var utf8Buffer = s.Utf8;
        utf8Buffer.SetLength(Encoding.UTF8.GetMaxByteCount(text.Length));

        // Lone surrogates become U+FFFD; unlike Encoding.UTF8's fallback, this conversion never allocates.
        System.Text.Unicode.Utf8.FromUtf16(text, utf8Buffer.Array, out _, out var n, replaceInvalidSequences: true);
        ReadOnlySpan<byte> utf8 = utf8Buffer.Array.AsSpan(0, n);
        if (addSpecialTokens)
        {
            s.Ids.AddRange(_post.Prefix);
        }

        if (_rawTokens is null)
        {
            EncodeSegment(utf8, atStart: true, s);
        }
        else
        {
            var segments = s.RawSegments;
            segments.Clear();
            _rawTokens.Split(utf8, segments);
            for (var k = 0; k < segments.Count; k += 3)
            {
                if (segments[k + 2] >= 0)
                {
                    s.Ids.Add(segments[k + 2]);
                }
                else
                {
                    EncodeSegment(utf8[segments[k]..segments[k + 1]], segments[k] == 0, s);
                }
            }
        }

        if (addSpecialTokens)
        {
            s.Ids.AddRange(_post.Suffix);
        }
    }

    private void EncodeSegment(ReadOnlySpan<byte> text, bool atStart, Scratch s)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (_normalizer is not null && _normalizer.Normalize(text, s.Normalized))
        {
            text = s.Normalized.Span;
        }

        if (_normalizedTokens is null)
        {
            PreTokenizeAndModel(text, atStart, s);
            return;
        }

        var segments = s.NormalizedSegments;
        segments.Clear();
        _normalizedTokens.Split(text, segments);
        for (var k = 0; k < segments.Count; k += 3)
        {
            if (segments[k + 2] >= 0)
            {
                s.Ids.Add(segments[k + 2]);
            }
            else
            {
                PreTokenizeAndModel(text[segments[k]..segments[k + 1]], atStart && segments[k] == 0, s);
            }
        }
    }

    private void PreTokenizeAndModel(ReadOnlySpan<byte> text, bool atStart, Scratch s)
    {
        if (text.IsEmpty)
        {
            return;
        }

        if (_steps.Length == 0)
        {
            _model.Tokenize(text, s.Bpe, s.Ids);
            return;
        }

        if (_fastSplit is { } pattern)
        {
            var prev = 0;
            var i = 0;
            while (i < text.Length)
            {
                var end = pattern.MatchAt(text, i);
                if (end > i)
                {
                    if (prev < i)
                    {
                        _model.Tokenize(text[prev..i], s.Bpe, s.Ids);
                    }

                    _model.Tokenize(text[i..end], s.Bpe, s.Ids);
                    prev = i = end;
                }
                else
                {
                    i += Unicode.CharClass.SequenceLength(text[i]);
                }
            }

            if (prev < text.Length)
            {
                _model.Tokenize(text[prev..], s.Bpe, s.Ids);
            }

            return;
        }

        var set = s.Pieces;
        set.Bytes.Clear();
        set.Bytes.Append(text);
        set.Ranges.Clear();
        set.Ranges.Add(0, text.Length);
        set.FirstAtStart = atStart;
        foreach (var step in _steps)
        {
            step.Apply(set);
            set.Swap();
        }

        var r = set.Ranges;
        for (var k = 0; k < r.Count; k += 2)
        {
            _model.Tokenize(set.Bytes.Span[r[k]..r[k + 1]], s.Bpe, s.Ids);
        }
    }

    private Scratch Rent() => Interlocked.Exchange(ref _cachedScratch, null) ?? (_pool.TryTake(out var s) ? s : new Scratch());

    private void Return(Scratch s)
    {
        if (s.IsOversized)
        {
            return; // a pathological input grew it; let the GC have it rather than pin that memory in the pool
        }

        if (Interlocked.CompareExchange(ref _cachedScratch, s, null) is not null)
        {
            _pool.Add(s);
        }
    }

    /// <summary>Working memory of one encode call; pooled so that steady-state encoding does not allocate.</summary>
    private sealed class Scratch
    {
        public readonly ByteBuffer Utf8 = new(4096);
        public readonly ByteBuffer Normalized = new(4096);
        public readonly IntList RawSegments = new();
        public readonly IntList NormalizedSegments = new();
        public readonly PieceSet Pieces = new();
        public readonly BpeScratch Bpe = new();
        public readonly IntList Ids = new(1024);

        public bool IsOversized => Utf8.Array.Length > (4 << 20) || Normalized.Array.Length > (4 << 20)
            || Pieces.Bytes.Array.Length > (4 << 20) || Ids.Array.Length > (1 << 20) || Bpe.IsOversized;
    }
}
