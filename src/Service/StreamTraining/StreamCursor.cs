using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TokenClean.Service.StreamTraining;

/// <summary>
/// The streaming trainer's progress: per stream key (<c>lake:&lt;topic&gt;+&lt;partition&gt;</c> or
/// <c>kafka:&lt;topic&gt;/&lt;partition&gt;</c>) the position up to which rows were used by a published version.
/// Immutable; persisted inside each published version and in the trainer's state directory.
/// </summary>
public sealed class StreamCursor : IEquatable<StreamCursor>
{
    private StreamCursor(ImmutableSortedDictionary<string, StreamPosition> positions) => Positions = positions;

    /// <summary>Nothing used yet.</summary>
    public static StreamCursor Empty { get; } = new(ImmutableSortedDictionary.Create<string, StreamPosition>(StringComparer.Ordinal));

    public ImmutableSortedDictionary<string, StreamPosition> Positions { get; }

    /// <summary>The position of <paramref name="key"/> (offset 0, no rows: nothing of it used yet).</summary>
    public StreamPosition this[string key] => Positions.GetValueOrDefault(key);

    /// <summary>A cursor with <paramref name="key"/> moved to <paramref name="position"/>; a position never moves back.</summary>
    /// <exception cref="InvalidOperationException">The position is behind the current one (a row would be used twice).</exception>
    public StreamCursor With(string key, StreamPosition position)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (Positions.TryGetValue(key, out var current) && position.CompareTo(current) < 0)
        {
            throw new InvalidOperationException($"cursor of '{key}' would move back from {current} to {position}");
        }

        return new StreamCursor(Positions.SetItem(key, position));
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        foreach (var (k, p) in Positions)
        {
            o[k] = new JsonObject { ["offset"] = p.Offset, ["rows"] = p.Rows };
        }

        return o;
    }

    /// <exception cref="InvalidDataException">Not a cursor object.</exception>
    public static StreamCursor FromJson(JsonNode? node)
    {
        if (node is not JsonObject o)
        {
            throw new InvalidDataException("a stream cursor must be a JSON object of {\"offset\", \"rows\"} per stream");
        }

        var b = ImmutableSortedDictionary.CreateBuilder<string, StreamPosition>(StringComparer.Ordinal);
        foreach (var (k, v) in o)
        {
            try
            {
                b[k] = new StreamPosition(v!["offset"]!.GetValue<long>(), v["rows"]!.GetValue<int>());
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"stream cursor entry '{k}' is not {{\"offset\": long, \"rows\": int}}", e);
            }
        }

        return new StreamCursor(b.ToImmutable());
    }

    public bool Equals(StreamCursor? other) => other is not null && Positions.Count == other.Positions.Count && Positions.All(p => other.Positions.TryGetValue(p.Key, out var q) && q == p.Value);

    public override bool Equals(object? obj) => Equals(obj as StreamCursor);

    public override int GetHashCode() => Positions.Count;

    public override string ToString() => ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
