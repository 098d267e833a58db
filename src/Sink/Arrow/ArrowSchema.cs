namespace TokenClean.Sink.Arrow;

/// <summary>The columns of a record batch plus schema-level custom metadata (Arrow's Schema.custom_metadata).</summary>
public sealed class ArrowSchema
{
    public ArrowSchema(IReadOnlyList<ArrowField> fields, IReadOnlyList<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            throw new ArgumentException("a schema needs at least one field", nameof(fields));
        }

        Fields = fields;
        Metadata = metadata ?? [];
    }

    public IReadOnlyList<ArrowField> Fields { get; }

    /// <summary>Key/value pairs in the order they are written.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Metadata { get; }
}
