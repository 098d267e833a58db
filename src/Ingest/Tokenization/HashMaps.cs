using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace TokenClean.Ingest.Tokenization;

/// <summary>Hashing of short byte strings (words, token spellings) without allocation.</summary>
internal static class ByteHash
{
    private const ulong P1 = 0x9E3779B185EBCA87UL, P2 = 0xC2B2AE3D27D4EB4FUL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Of(ReadOnlySpan<byte> s)
    {
        var h = (ulong)s.Length * P1;
        var i = 0;
        for (; i + 8 <= s.Length; i += 8)
        {
            h = BitOperations.RotateLeft(h ^ (BinaryPrimitives.ReadUInt64LittleEndian(s[i..]) * P2), 31) * P1;
        }

        if (i < s.Length)
        {
            ulong tail = 0;
            for (var j = s.Length - 1; j >= i; j--)
            {
                tail = (tail << 8) | s[j];
            }

            h = BitOperations.RotateLeft(h ^ (tail * P2), 31) * P1;
        }

        h ^= h >> 29;
        h *= P2;
        return h ^ (h >> 32);
    }
}

/// <summary>An immutable open-addressing map from byte strings to ids (the vocabulary keyed by raw bytes).</summary>
internal sealed class BytesMap
{
    private readonly byte[] _arena;
    private readonly int[] _offsets;
    private readonly int[] _lengths;
    private readonly int[] _ids;
    private readonly ulong[] _hashes;
    private readonly int _mask;

    public BytesMap(List<(byte[] Key, int Id)> entries)
    {
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, entries.Count * 2));
        _mask = capacity - 1;
        _offsets = new int[capacity];
        _lengths = new int[capacity];
        _ids = new int[capacity];
        _hashes = new ulong[capacity];
        Array.Fill(_lengths, -1);
        var total = 0;
        foreach (var (key, _) in entries)
        {
            total += key.Length;
        }

        _arena = new byte[total];
        var pos = 0;
        foreach (var (key, id) in entries)
        {
            var h = ByteHash.Of(key);
            var slot = (int)h & _mask;
            while (_lengths[slot] >= 0)
            {
                if (_hashes[slot] == h && _arena.AsSpan(_offsets[slot], _lengths[slot]).SequenceEqual(key))
                {
                    break;
                }

                slot = (slot + 1) & _mask;
            }

            if (_lengths[slot] >= 0)
            {
                continue; // first spelling wins, as a dictionary insert would keep it
            }

            key.CopyTo(_arena, pos);
            _offsets[slot] = pos;
            _lengths[slot] = key.Length;
            _ids[slot] = id;
            _hashes[slot] = h;
            pos += key.Length;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(ReadOnlySpan<byte> key, out int id) => TryGet(key, ByteHash.Of(key), out id);

    public bool TryGet(ReadOnlySpan<byte> key, ulong hash, out int id)
    {
        var slot = (int)hash & _mask;
        while (true)
        {
            var len = _lengths[slot];
            if (len < 0)
            {
                id = -1;
                return false;
            }

            if (_hashes[slot] == hash && len == key.Length && _arena.AsSpan(_offsets[slot], len).SequenceEqual(key))
            {
                id = _ids[slot];
                return true;
            }

            slot = (slot + 1) & _mask;
        }
    }
}

/// <summary>The merge table: (left id, right id) → (rank, merged id), open addressing on a packed 64-bit key.</summary>
internal sealed class MergeMap
{
    private const ulong Empty = ulong.MaxValue;
    private readonly ulong[] _keys;
    private readonly int[] _ranks;
    private readonly int[] _ids;
    private readonly int _shift;

    public MergeMap(int count)
    {
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count * 2));
        _keys = new ulong[capacity];
        Array.Fill(_keys, Empty);
        _ranks = new int[capacity];
        _ids = new int[capacity];
        _shift = 64 - BitOperations.Log2((uint)capacity);
    }

    /// <summary>Adds a merge; a duplicated pair takes the later rank, as HF's map collected in file order does.</summary>
    public void Set(int left, int right, int rank, int id)
    {
        var key = ((ulong)(uint)left << 32) | (uint)right;
        var slot = (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
        var mask = _keys.Length - 1;
        while (_keys[slot] != Empty)
        {
            if (_keys[slot] == key)
            {
                break;
            }

            slot = (slot + 1) & mask;
        }

        _keys[slot] = key;
        _ranks[slot] = rank;
        _ids[slot] = id;
    }

    /// <summary>The rank of merging left+right, or int.MaxValue when they do not merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Rank(int left, int right, out int id)
    {
        var key = ((ulong)(uint)left << 32) | (uint)right;
        var slot = (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);
        var mask = _keys.Length - 1;
        while (true)
        {
            var k = _keys[slot];
            if (k == key)
            {
                id = _ids[slot];
                return _ranks[slot];
            }

            if (k == Empty)
            {
                id = -1;
                return int.MaxValue;
            }

            slot = (slot + 1) & mask;
        }
    }
}

/// <summary>
/// A per-thread, direct-mapped cache of BPE results for short words, in flat preallocated arrays: a hit costs one
/// hash and one comparison, and neither hits nor misses allocate.
/// </summary>
internal sealed class WordCache
{
    public const int MaxKey = 32;
    public const int MaxIds = 15;
    private const int Slots = 1 << 14;
    private readonly ulong[] _hashes = new ulong[Slots];
    private readonly byte[] _keyLengths = new byte[Slots];
    private readonly byte[] _idCounts = new byte[Slots];
    private readonly byte[] _keys = new byte[Slots * MaxKey];
    private readonly int[] _ids = new int[Slots * (MaxIds + 1)];

    public bool TryGet(ReadOnlySpan<byte> word, ulong hash, IntList output)
    {
        var slot = (int)(hash & (Slots - 1));
        if (_hashes[slot] != hash || _keyLengths[slot] != word.Length || _idCounts[slot] == 0
            || !_keys.AsSpan(slot * MaxKey, word.Length).SequenceEqual(word))
        {
            return false;
        }

        output.AddRange(_ids.AsSpan(slot * (MaxIds + 1), _idCounts[slot]));
        return true;
    }

    public void Store(ReadOnlySpan<byte> word, ulong hash, ReadOnlySpan<int> ids)
    {
        if (word.Length > MaxKey || ids.Length > MaxIds || ids.Length == 0)
        {
            return;
        }

        var slot = (int)(hash & (Slots - 1));
        _hashes[slot] = hash;
        _keyLengths[slot] = (byte)word.Length;
        _idCounts[slot] = (byte)ids.Length;
        word.CopyTo(_keys.AsSpan(slot * MaxKey));
        ids.CopyTo(_ids.AsSpan(slot * (MaxIds + 1)));
    }
}
