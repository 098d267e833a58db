using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TokenClean.Core.Files;

namespace TokenClean.Scoring.BaseLosses;

/// <summary>
/// The base model's per-token losses kept on disk, so that θ0 — which never changes — scores each record once:
/// later rounds, re-runs with other options, resumed runs and other commands pointed at the same store read them
/// back instead of running the base forward pass again.
/// </summary>
/// <remarks>
/// <para>Layout: <c>ROOT/&lt;base identity&gt;/segment-*.bin</c>, one folder per <see cref="BaseModelIdentity"/>
/// (config, weights, dtype), so losses of another base or dtype are never even read. A record's key is the SHA-256 of
/// its token ids and loss mask (<see cref="Key"/>): a different tokenization, template or truncation gives other ids
/// and so another key. The sample id plays no part: the loss is a function of the tokens alone.</para>
/// <para>New losses are held in memory until <see cref="Flush"/>, which writes them as one new segment through
/// <see cref="AtomicFile"/> (temp name, fsync, rename): a killed process leaves whole segments or none, never a
/// torn one. Each segment repeats the identity in its header and is checked on load. Thread-safe.</para>
/// </remarks>
public sealed class BaseLossStore
{
    private static readonly byte[] Magic = "TCBASELOSS1\n"u8.ToArray();
    private readonly Dictionary<string, float[]> _losses = new(StringComparer.Ordinal);
    private readonly List<(string Key, float[] Losses)> _pending = [];
    private readonly Lock _lock = new();

    private BaseLossStore(string directory, string identity)
    {
        Directory = directory;
        Identity = identity;
    }

    /// <summary>The folder of this base's segments.</summary>
    public string Directory { get; }

    /// <summary>The base identity the losses belong to.</summary>
    public string Identity { get; }

    /// <summary>Records whose losses are known (loaded or added).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _losses.Count;
            }
        }
    }

    /// <summary>Opens (creating it if needed) the store of base <paramref name="identity"/> under <paramref name="root"/> and loads its segments.</summary>
    /// <exception cref="InvalidDataException">A segment is not a base-loss segment or belongs to another base.</exception>
    public static BaseLossStore Open(string root, string identity)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        var directory = Path.Combine(Path.GetFullPath(root), identity);
        System.IO.Directory.CreateDirectory(directory);
        var store = new BaseLossStore(directory, identity);
        foreach (var segment in System.IO.Directory.GetFiles(directory, "segment-*.bin").Order(StringComparer.Ordinal))
        {
            store.Load(segment);
        }

        return store;
    }

    /// <summary>The key of a sequence scored under a mask (null mask: every position).</summary>
    public static string Key(ReadOnlySpan<int> ids, ReadOnlySpan<bool> mask)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, ids.Length);
        hash.AppendData(length);
        hash.AppendData(MemoryMarshal.AsBytes(ids)); // little-endian on every platform .NET runs this on
        if (mask.IsEmpty)
        {
            hash.AppendData("all"u8);
        }
        else
        {
            hash.AppendData(MemoryMarshal.AsBytes(mask));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The stored losses of <paramref name="key"/> (a copy: callers may change it), or null.</summary>
    public float[]? TryGet(string key)
    {
        lock (_lock)
        {
            return _losses.TryGetValue(key, out var losses) ? (float[])losses.Clone() : null;
        }
    }

    /// <summary>Keeps <paramref name="losses"/> (copied) under <paramref name="key"/>; written at the next <see cref="Flush"/>.</summary>
    public void Add(string key, ReadOnlySpan<float> losses)
    {
        var copy = losses.ToArray();
        lock (_lock)
        {
            if (_losses.TryAdd(key, copy))
            {
                _pending.Add((key, copy));
            }
        }
    }

    /// <summary>Writes the losses added since the last flush as one new segment (nothing when there are none).</summary>
    public void Flush()
    {
        List<(string Key, float[] Losses)> pending;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            pending = [.. _pending];
            _pending.Clear();
        }

        var name = $"segment-{DateTime.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}.bin";
        AtomicFile.Write(Path.Combine(Directory, name), stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Identity);
            w.Write(pending.Count);
            foreach (var (key, losses) in pending)
            {
                w.Write(Convert.FromHexString(key));
                w.Write(losses.Length);
                w.Write(MemoryMarshal.AsBytes(losses.AsSpan()));
            }
        });
        DirectorySync.Fsync(Directory);
    }

    private void Load(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        try
        {
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                throw new InvalidDataException($"'{path}' is not a base-loss segment");
            }

            var identity = r.ReadString();
            if (!string.Equals(identity, Identity, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"'{path}' holds losses of base {identity}, not {Identity}");
            }

            var count = r.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var key = Convert.ToHexStringLower(r.ReadBytes(32));
                var length = r.ReadInt32();
                var losses = new float[length];
                var bytes = MemoryMarshal.AsBytes(losses.AsSpan());
                for (var at = 0; at < bytes.Length;)
                {
                    var read = r.Read(bytes[at..]);
                    at += read > 0 ? read : throw new EndOfStreamException();
                }

                _losses[key] = losses;
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' is truncated (segments are written whole: it was changed after writing)");
        }
    }
}
