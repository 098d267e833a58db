using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;

namespace TokenClean.Scoring.Checkpoints;

/// <summary>
/// A memory-mapped <c>.safetensors</c> file: 8-byte little-endian header length, a JSON header
/// <c>{name: {dtype, shape, data_offsets}}</c>, then the raw data. The header is validated in full on open;
/// tensors are views of the file mapped by libtorch (see <see cref="Load"/>).
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsEntry> _entries;
    private readonly Dictionary<DType, torch.Tensor> _whole = [];
    private readonly long _length;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* basePtr, long dataStart, Dictionary<string, SafetensorsEntry> entries, long length)
    {
        _length = length;
        Path = path;
        _map = map;
        _view = view;
        _base = basePtr;
        _dataStart = dataStart;
        _entries = entries;
    }

    public string Path { get; }

    /// <summary>Tensors in the file, by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries => _entries;

    /// <summary>Maps and validates <paramref name="path"/>; throws <see cref="CheckpointException"/> naming what is wrong.</summary>
    public static SafetensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (IOException e)
        {
            throw new CheckpointException($"{path}: cannot read: {e.Message}", e);
        }

        if (length < 8)
        {
            throw new CheckpointException($"{path}: truncated: {length} bytes, shorter than the 8-byte header length");
        }

        MemoryMappedFile map;
        try
        {
            map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"{path}: cannot map: {e.Message}", e);
        }

        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        try
        {
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* basePtr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            acquired = true;
            basePtr += view.PointerOffset;
            var headerLength = *(long*)basePtr; // little-endian on every platform .NET runs libtorch on
            if (headerLength <= 0 || headerLength > length - 8)
            {
                throw new CheckpointException($"{path}: truncated or corrupt: header length {headerLength} does not fit in a file of {length} bytes");
            }

            var entries = ParseHeader(path, new ReadOnlySpan<byte>(basePtr + 8, checked((int)headerLength)), length - 8 - headerLength);
            return new SafetensorsFile(path, map, view, basePtr, 8 + headerLength, entries, length);
        }
        catch
        {
            if (acquired)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            map.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Tensor <paramref name="name"/> in <paramref name="dtype"/> on <paramref name="device"/>. On the CPU in the stored
    /// dtype it is a view of the memory-mapped file (no copy: pages are read when first touched, and a write — a
    /// training step — copies only that page, never changing the file); otherwise one conversion from the mapping.
    /// </summary>
    public torch.Tensor Load(string name, DType dtype, string device)
    {
        if (!_entries.TryGetValue(name, out var e))
        {
            throw new CheckpointException($"{Path}: tensor '{name}' is missing");
        }

        Torch.EnsureLoaded();
        var size = DTypes.ElementSize(e.DType);
        var start = _dataStart + e.Begin;
        torch.Tensor stored;
        if (start % size == 0 && e.Count > 0)
        {
            var whole = Whole(e.DType);
            using var flat = whole.narrow(0, start / size, e.Count);
            stored = flat.view(e.Shape);
        }
        else
        {
            // Unaligned (or empty) data: safetensors writers align tensors, but the format does not promise it.
            stored = torch.empty(e.Shape, e.DType.ToScalarType());
            if (e.Count > 0)
            {
                stored.bytes = new Span<byte>(_base + start, checked((int)(e.End - e.Begin)));
            }
        }

        if (dtype == e.DType && device == "cpu")
        {
            return stored;
        }

        using (stored)
        {
            return stored.to(dtype.ToScalarType(), Torch.ToDevice(device));
        }
    }

    // The whole file as one tensor of the given element type over a private mapping (torch.from_file, not shared).
    private torch.Tensor Whole(DType dtype)
    {
        lock (_whole)
        {
            if (!_whole.TryGetValue(dtype, out var t))
            {
                var size = DTypes.ElementSize(dtype);
                t = torch.from_file(Path, shared: false, size: _length / size, dtype: dtype.ToScalarType()).DetachFromDisposeScope();
                _whole.Add(dtype, t);
            }

            return t;
        }
    }

    /// <summary>The raw bytes of one tensor, valid while this file is open.</summary>
    public ReadOnlySpan<byte> RawBytes(SafetensorsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new ReadOnlySpan<byte>(_base + _dataStart + entry.Begin, checked((int)(entry.End - entry.Begin)));
    }

    public void Dispose()
    {
        lock (_whole)
        {
            // Views made by Load keep their part of the mapping alive on their own.
            foreach (var t in _whole.Values)
            {
                t.Dispose();
            }

            _whole.Clear();
        }

        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }

    internal static DType ParseDType(string path, string name, string code) => code switch
    {
        "F32" => DType.Float32,
        "F16" => DType.Float16,
        "BF16" => DType.BFloat16,
        "I64" => DType.Int64,
        "I32" => DType.Int32,
        "BOOL" => DType.Bool,
        _ => throw new CheckpointException($"{path}: tensor '{name}' has unsupported dtype '{code}' (supported: F32, F16, BF16, I64, I32, BOOL)"),
    };

    internal static string DTypeCode(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors code"),
    };

    private static Dictionary<string, SafetensorsEntry> ParseHeader(string path, ReadOnlySpan<byte> json, long dataLength)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json);
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: the header is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{path}: the header is not a JSON object");
            }

            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    continue;
                }

                entries.Add(p.Name, ParseEntry(path, p.Name, p.Value, dataLength));
            }

            return entries;
        }
    }

    private static SafetensorsEntry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
        {
            throw new CheckpointException($"{path}: tensor '{name}' has a malformed header record (needs dtype, shape, data_offsets[2])");
        }

        var dtype = ParseDType(path, name, dt.GetString()!);
        var shape = new long[sh.GetArrayLength()];
        var i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (!d.TryGetInt64(out shape[i]) || shape[i] < 0)
            {
                throw new CheckpointException($"{path}: tensor '{name}' has an invalid shape");
            }

            i++;
        }

        if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
        {
            throw new CheckpointException($"{path}: tensor '{name}' has invalid data_offsets");
        }

        if (end > dataLength)
        {
            throw new CheckpointException($"{path}: truncated: tensor '{name}' ends at byte {end} of the data section, which holds {dataLength} bytes");
        }

        var entry = new SafetensorsEntry(name, dtype, shape, begin, end);
        long expected;
        try
        {
            expected = checked(entry.Count * DTypes.ElementSize(dtype));
        }
        catch (OverflowException ex)
        {
            throw new CheckpointException($"{path}: tensor '{name}' has an impossible shape", ex);
        }

        if (expected != end - begin)
        {
            throw new CheckpointException($"{path}: tensor '{name}' is inconsistent: shape [{string.Join(", ", shape)}] of {dt.GetString()} needs {expected} bytes, data_offsets give {end - begin}");
        }

        return entry;
    }
}
