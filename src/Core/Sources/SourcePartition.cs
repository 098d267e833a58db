namespace TokenClean.Core.Sources;

/// <summary>
/// One ordered input stream: a Kafka topic partition, or an input file (<see cref="Partition"/> null). Offsets of
/// a partition are consumed, written and committed in increasing order.
/// </summary>
/// <param name="Topic">The Kafka topic, or the input's name for a file.</param>
/// <param name="Partition">The Kafka partition; null for a file, which has one stream.</param>
public readonly record struct SourcePartition(string Topic, int? Partition)
{
    /// <summary>A Kafka topic partition.</summary>
    public static SourcePartition Kafka(string topic, int partition) => new(topic, partition);

    /// <summary>An input file (one stream, offsets are line numbers), named without its directories.</summary>
    public static SourcePartition File(string name) => new(System.IO.Path.GetFileName(name), null);

    /// <summary>The position <paramref name="offset"/> in this partition.</summary>
    public SourceOffset At(long offset) => new(this, offset);

    /// <inheritdoc/>
    public override string ToString() => Partition is { } p ? $"{Topic}[{p}]" : Topic;
}
