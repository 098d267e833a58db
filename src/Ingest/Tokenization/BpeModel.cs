// Why one file of ~530 lines: the BPE model with its merge loop's scratch space and priority heap (BpeScratch,
// LongHeap), which are tuned with it and used nowhere else.
using System.Globalization;
using System.Text;
using TokenClean.Ingest.Tokenization.Unicode;

namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// The BPE model of a tokenizer.json, working on UTF-8 bytes: byte-level vocabularies (GPT-2, Llama 3, Qwen) are
/// re-keyed by the bytes their characters spell; SentencePiece-style vocabularies (Llama 2, Gemma) by their UTF-8.
/// Merges apply lowest rank first, leftmost on ties, exactly as HF's <c>Word::merge_all</c>.
/// </summary>
internal sealed class BpeModel
{
    private const int SmallWord = 64;
    private readonly string?[] _idToToken;
    private readonly BytesMap _bytesVocab;
    private readonly MergeMap _merges;
    private readonly int[] _byteInitial = new int[256];
    private readonly int[]? _byteFallback;
    private readonly int _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _ignoreMerges;
    private readonly bool _byteLevel;

    public BpeModel(
        Dictionary<string, int> vocab,
        List<(string Left, string Right)> merges,
        string? unkToken,
        bool fuseUnk,
        bool byteFallback,
        bool ignoreMerges,
        bool byteLevel,
        Func<string, Exception> fail)
    {
        Vocab = vocab;
        _byteLevel = byteLevel;
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
        var maxId = -1;
        foreach (var (_, id) in vocab)
        {
            maxId = Math.Max(maxId, id);
        }

        _idToToken = new string?[maxId + 1];
        var entries = new List<(byte[] Key, int Id)>(vocab.Count);
        foreach (var (token, id) in vocab)
        {
            _idToToken[id] = token;
            var key = byteLevel ? FromByteLevel(token) : Encoding.UTF8.GetBytes(token);
            if (key is not null)
            {
                entries.Add((key, id));
            }
        }

        _bytesVocab = new BytesMap(entries);
        for (var b = 0; b < 256; b++)
        {
            var spelled = byteLevel ? ByteLevelAlphabet.ByteToChar[b].ToString() : b < 0x80 ? ((char)b).ToString() : null;
            _byteInitial[b] = spelled is not null && vocab.TryGetValue(spelled, out var id) ? id : -1;
        }

        if (byteFallback)
        {
            _byteFallback = new int[256];
            for (var b = 0; b < 256; b++)
            {
                _byteFallback[b] = vocab.TryGetValue(string.Create(CultureInfo.InvariantCulture, $"<0x{b:X2}>"), out var id) ? id : -1;
            }
        }

        _unkId = -1;
        if (unkToken is not null)
        {
            if (!vocab.TryGetValue(unkToken, out _unkId))
            {
                throw fail($"the unk_token '{unkToken}' is not in the vocabulary");
            }
        }

        _merges = new MergeMap(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out var l) || !vocab.TryGetValue(right, out var r)
                || !vocab.TryGetValue(left + right, out var merged))
            {
                throw fail($"merge #{rank} ('{left}' '{right}') uses a token that is not in the vocabulary");
            }

            _merges.Set(l, r, rank, merged);
        }
    }

    public Dictionary<string, int> Vocab { get; }

    public int MaxId => _idToToken.Length - 1;

    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>Appends the ids of one pre-tokenized word.</summary>
    public void Tokenize(ReadOnlySpan<byte> word, BpeScratch scratch, IntList output)
    {
        if (word.IsEmpty)
        {
            return;
        }

        var hash = ByteHash.Of(word);
        if (_ignoreMerges && _bytesVocab.TryGet(word, hash, out var whole))
        {
            output.Add(whole);
            return;
        }

        var cached = word.Length <= WordCache.MaxKey;
        if (cached && scratch.Cache.TryGet(word, hash, output))
        {
            return;
        }

        var start = output.Count;
        var n = InitialSymbols(word, scratch);
        if (n <= SmallWord)
        {
            MergeSmall(scratch, n, output);
        }
        else
        {
            MergeLarge(scratch, n, output);
        }

        if (cached)
        {
            scratch.Cache.Store(word, hash, output.Span[start..]);
        }
    }

    /// <summary>
    /// How many bytes of <paramref name="word"/> from <paramref name="pos"/> the token <paramref name="id"/> covers,
    /// for offsets: a token spells its bytes, except a byte-fallback token (one byte) and the unknown token (one
    /// unknown character, or a run of them when unknowns are fused). Called after <see cref="Tokenize"/> produced
    /// the ids, so the ids-only path carries no offset bookkeeping.
    /// </summary>
    public int TokenLength(ReadOnlySpan<byte> word, int pos, int id)
    {
        var rest = word[pos..];
        if (IdToToken(id) is { } token && Spells(rest, token, out var length))
        {
            return length;
        }

        if (id == _unkId)
        {
            var n = 0;
            do
            {
                n += UnknownLength(rest[n..]);
            }
            while (_fuseUnk && n < rest.Length && UnknownLength(rest[n..]) > 0);

            return Math.Max(n, 1);
        }

        return Math.Min(1, rest.Length); // a byte-fallback token
    }

    /// <summary>Whether <paramref name="text"/> starts with the bytes the token string stands for.</summary>
    private bool Spells(ReadOnlySpan<byte> text, string token, out int length)
    {
        if (_byteLevel)
        {
            length = token.Length;
            if (length > text.Length)
            {
                return false;
            }

            for (var i = 0; i < token.Length; i++)
            {
                if (ByteLevelAlphabet.ByteOf(token[i]) != text[i])
                {
                    return false;
                }
            }

            return true;
        }

        length = Encoding.UTF8.GetByteCount(token);
        if (length > text.Length || length == 0)
        {
            return false;
        }

        Span<byte> bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(token, bytes);
        return text.StartsWith(bytes);
    }

    /// <summary>The byte length of the first character when the model has no symbol for it, else 0.</summary>
    private int UnknownLength(ReadOnlySpan<byte> text)
    {
        var len = _byteLevel ? 1 : Math.Min(CharClass.SequenceLength(text[0]), text.Length);
        var known = len == 1 ? _byteInitial[text[0]] >= 0 : _bytesVocab.TryGet(text[..len], out _);
        return known ? 0 : len;
    }

    private static byte[]? FromByteLevel(string token)
    {
        var bytes = new byte[token.Length];
        for (var i = 0; i < token.Length; i++)
        {
            var b = ByteLevelAlphabet.ByteOf(token[i]);
            if (b < 0)
            {
                return null; // cannot be produced from byte-level text (e.g. an added token in the vocab)
            }

            bytes[i] = (byte)b;
        }

        return bytes;
    }

    /// <summary>HF's <c>merge_word</c>: one symbol per character, with byte fallback and (fused) unknowns.</summary>
    private int InitialSymbols(ReadOnlySpan<byte> word, BpeScratch s)
    {
        s.Ensure((_byteLevel && _byteFallback is not null ? word.Length * 2 : word.Length) + 1);
        var ids = s.Ids;
        var n = 0;
        var pendingUnk = false;
        for (var i = 0; i < word.Length;)
        {
            int len, id;
            if (_byteLevel)
            {
                len = 1;
                id = _byteInitial[word[i]];
            }
            else
            {
                len = Math.Min(CharClass.SequenceLength(word[i]), word.Length - i);
                if (len == 1)
                {
                    id = _byteInitial[word[i]];
                }
                else if (!_bytesVocab.TryGet(word.Slice(i, len), out id))
                {
                    id = -1;
                }
            }

            if (id >= 0)
            {
                if (pendingUnk)
                {
                    ids[n++] = _unkId;
                    pendingUnk = false;
                }

                ids[n++] = id;
            }
            else if (!TryByteFallback(word, i, len, ids, ref n) && _unkId >= 0)
            {
                if (pendingUnk && !_fuseUnk)
                {
                    ids[n++] = _unkId;
                }

                pendingUnk = true;
            }

            i += len;
        }

        if (pendingUnk)
        {
            ids[n++] = _unkId;
        }

        return n;
    }

    private bool TryByteFallback(ReadOnlySpan<byte> word, int i, int len, int[] ids, ref int n)
    {
        if (_byteFallback is null)
        {
            return false;
        }

        // HF spells the character in the model's alphabet first; in byte-level mode that is the alphabet char.
        Span<byte> spelled = stackalloc byte[4];
        var count = len;
        if (_byteLevel)
        {
            count = new Rune(ByteLevelAlphabet.ByteToChar[word[i]]).EncodeToUtf8(spelled);
        }
        else
        {
            word.Slice(i, len).CopyTo(spelled);
        }

        for (var k = 0; k < count; k++)
        {
            if (_byteFallback[spelled[k]] < 0)
            {
                return false;
            }
        }

        for (var k = 0; k < count; k++)
        {
            ids[n++] = _byteFallback[spelled[k]];
        }

        return true;
    }

    private void MergeSmall(BpeScratch s, int n, IntList output)
    {
        var ids = s.Ids;
        var ranks = s.Ranks;
        var merged = s.Merged;
        for (var i = 0; i < n - 1; i++)
        {
            ranks[i] = _merges.Rank(ids[i], ids[i + 1], out merged[i]);
        }

        while (n > 1)
        {
            var best = 0;
            var bestRank = ranks[0];
            for (var i = 1; i < n - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (bestRank == int.MaxValue)
            {
                break;
            }

            ids[best] = merged[best];
            for (var j = best + 1; j < n - 1; j++)
            {
                ids[j] = ids[j + 1];
            }

            for (var j = best + 1; j < n - 2; j++)
            {
                ranks[j] = ranks[j + 1];
                merged[j] = merged[j + 1];
            }

            n--;
            if (best > 0)
            {
                ranks[best - 1] = _merges.Rank(ids[best - 1], ids[best], out merged[best - 1]);
            }

            if (best < n - 1)
            {
                ranks[best] = _merges.Rank(ids[best], ids[best + 1], out merged[best]);
            }
        }

        output.AddRange(ids.AsSpan(0, n));
    }

    private void MergeLarge(BpeScratch s, int n, IntList output)
    {
        var ids = s.Ids;
        var prev = s.Prev;
        var next = s.Next;
        var heap = s.Heap;
        heap.Clear();
        for (var i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            if (i + 1 < n)
            {
                var r = _merges.Rank(ids[i], ids[i + 1], out _);
                if (r != int.MaxValue)
                {
                    heap.Push(((long)r << 32) | (uint)i);
                }
            }
        }

        while (heap.Count > 0)
        {
            var top = heap.Pop();
            var rank = (int)(top >> 32);
            var pos = (int)(top & 0xFFFFFFFF);
            var right = next[pos];
            if (ids[pos] < 0 || right < 0 || _merges.Rank(ids[pos], ids[right], out var newId) != rank)
            {
                continue; // stale: one side was merged since this pair was queued
            }

            ids[pos] = newId;
            ids[right] = -1;
            next[pos] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = pos;
            }

            if (prev[pos] >= 0)
            {
                var r = _merges.Rank(ids[prev[pos]], newId, out _);
                if (r != int.MaxValue)
                {
                    heap.Push(((long)r << 32) | (uint)prev[pos]);
                }
            }

            if (next[pos] >= 0)
            {
                var r = _merges.Rank(newId, ids[next[pos]], out _);
                if (r != int.MaxValue)
                {
                    heap.Push(((long)r << 32) | (uint)pos);
                }
            }
        }

        for (var i = 0; i >= 0; i = next[i])
        {
            output.Add(ids[i]);
        }
    }
}

/// <summary>Per-thread working memory of <see cref="BpeModel"/>.</summary>
internal sealed class BpeScratch
{
    public readonly int[] Ranks = new int[128]; // small-word path only (at most 64 symbols)
    public readonly int[] Merged = new int[128];
    public readonly LongHeap Heap = new();
    public readonly WordCache Cache = new();
    public int[] Ids = new int[256];
    public int[] Prev = new int[256];
    public int[] Next = new int[256];

    /// <summary>Whether a huge word grew the buffers past what is worth keeping in the pool.</summary>
    public bool IsOversized => Ids.Length > (1 << 20);

    public void Ensure(int n)
    {
        if (n > Ids.Length)
        {
            var size = Math.Max(n, Ids.Length * 2);
            Ids = new int[size];
            Prev = new int[size];
            Next = new int[size];
        }
    }
}

/// <summary>A binary min-heap of packed (rank, position) keys.</summary>
internal sealed class LongHeap
{
    private long[] _items = new long[256];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Push(long item)
    {
        if (Count == _items.Length)
        {
            Array.Resize(ref _items, Count * 2);
        }

        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_items[parent] <= item)
            {
                break;
            }

            _items[i] = _items[parent];
            i = parent;
        }

        _items[i] = item;
    }

    public long Pop()
    {
        var top = _items[0];
        var last = _items[--Count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && _items[child + 1] < _items[child])
            {
                child++;
            }

            if (_items[child] >= last)
            {
                break;
            }

            _items[i] = _items[child];
            i = child;
        }

        _items[i] = last;
        return top;
    }
}
