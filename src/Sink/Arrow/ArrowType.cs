namespace TokenClean.Sink.Arrow;

/// <summary>An Arrow logical type. Immutable; primitive types are shared instances.</summary>
public sealed class ArrowType
{
    private ArrowType(ArrowTypeKind kind, int byteWidth, string? timeZone, ArrowField? item)
    {
        Kind = kind;
        ByteWidth = byteWidth;
        TimeZone = timeZone;
        Item = item;
    }

    public static ArrowType Int32 { get; } = new(ArrowTypeKind.Int32, 4, null, null);

    public static ArrowType Int64 { get; } = new(ArrowTypeKind.Int64, 8, null, null);

    public static ArrowType Float32 { get; } = new(ArrowTypeKind.Float32, 4, null, null);

    public static ArrowType Utf8 { get; } = new(ArrowTypeKind.Utf8, 0, null, null);

    /// <summary>timestamp[ms, tz=UTC]: int64 milliseconds since the Unix epoch.</summary>
    public static ArrowType TimestampMillisecondsUtc { get; } = new(ArrowTypeKind.Timestamp, 8, "UTC", null);

    public ArrowTypeKind Kind { get; }

    /// <summary>Bytes per value of a fixed-width type; 0 for variable-width and nested types.</summary>
    public int ByteWidth { get; }

    /// <summary>The time zone of a timestamp type (Arrow's Timestamp.timezone); null otherwise.</summary>
    public string? TimeZone { get; }

    /// <summary>The item field of a list type; null otherwise.</summary>
    public ArrowField? Item { get; }

    /// <summary>list&lt;item&gt;. The item is named "item", as pyarrow and Hugging Face datasets name it.</summary>
    public static ArrowType ListOf(ArrowType itemType, bool itemNullable = true)
    {
        ArgumentNullException.ThrowIfNull(itemType);
        return new ArrowType(ArrowTypeKind.List, 0, null, new ArrowField("item", itemType, itemNullable));
    }

    public override string ToString() => Kind switch
    {
        ArrowTypeKind.List => $"list<{Item!.Type}>",
        ArrowTypeKind.Timestamp => $"timestamp[ms, tz={TimeZone}]",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
