using System.Text;
using System.Text.Json;
using TokenClean.Core.Files;

namespace TokenClean.Scoring.Checkpoints;

/// <summary>Writes <c>.safetensors</c> files (header padded to 8 bytes with spaces, as the reference writer does).</summary>
public static class SafetensorsWriter
{
    /// <summary>One tensor to write: name, element type, shape, and its little-endian bytes.</summary>
    public sealed record Item(string Name, DType DType, long[] Shape, byte[] Data);

    /// <summary>Writes <paramref name="items"/> to <paramref name="path"/> via a temporary file and an atomic rename.</summary>
    public static void Write(string path, IReadOnlyList<Item> items)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(items);
        var sorted = items.OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        using var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            w.WriteString("format", "pt");
            w.WriteEndObject();
            long offset = 0;
            foreach (var it in sorted)
            {
                w.WriteStartObject(it.Name);
                w.WriteString("dtype", SafetensorsFile.DTypeCode(it.DType));
                w.WriteStartArray("shape");
                foreach (var d in it.Shape)
                {
                    w.WriteNumberValue(d);
                }

                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + it.Data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += it.Data.Length;
            }

            w.WriteEndObject();
        }

        var header = json.ToArray();
        var padded = (header.Length + 7) / 8 * 8;
        AtomicFile.Write(path, f =>
        {
            f.Write(BitConverter.GetBytes((long)padded));
            f.Write(header);
            f.Write(Encoding.ASCII.GetBytes(new string(' ', padded - header.Length)));
            foreach (var it in sorted)
            {
                f.Write(it.Data);
            }
        });
    }
}
