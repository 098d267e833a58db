namespace TokenClean.Sink.Lake;

/// <summary>
/// Where output rows come from: a Kafka topic-partition, or an input file (<see cref="Partition"/> null, offsets
/// are the caller's line numbers). Offsets of one source must arrive in increasing order.
/// </summary>
/// <param name="Name">The Kafka topic, or the input file's name (without directories).</param>
/// <param name="Partition">The Kafka partition; null for file input.</param>
public readonly record struct LakeSource(string Name, int? Partition)
{
    public static LakeSource Kafka(string topic, int partition) => new(topic, partition);

    public static LakeSource InputFile(string fileName) => new(Path.GetFileName(fileName), null);

    public override string ToString() => Partition is { } p ? $"{Name}[{p}]" : $"{Name}[lines]";
}
