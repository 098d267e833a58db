namespace TokenClean.Core.Sources;

/// <summary>
/// Where a record came from: its partition and its offset there. Travels with the record through every stage and is
/// what the sink reports durable and the source commits.
/// </summary>
/// <param name="Source">The partition (or file) the record was read from.</param>
/// <param name="Offset">The record's offset in it (a Kafka offset, or a 0-based line number).</param>
public readonly record struct SourceOffset(SourcePartition Source, long Offset)
{
    /// <summary>The offset to commit once this record is durable: the next one to read.</summary>
    public long Next => Offset + 1;

    /// <inheritdoc/>
    public override string ToString() => $"{Source}@{Offset}";
}
