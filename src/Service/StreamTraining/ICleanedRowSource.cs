namespace TokenClean.Service.StreamTraining;

/// <summary>
/// Where the streaming trainer reads cleaned rows from: the lake (<see cref="LakeRowSource"/>) or the Kafka output
/// topic (<see cref="KafkaRowSource"/>). A source starts at a <see cref="StreamCursor"/> and hands out every row after
/// it exactly once, in order per stream.
/// </summary>
/// <remarks>One caller thread. Implementations read ahead at most one unit (lake file / Kafka message).</remarks>
public interface ICleanedRowSource : IDisposable
{
    /// <summary>What the source follows, for progress lines and the version manifest.</summary>
    string Description { get; }

    /// <summary>
    /// The rows available now, in order, ending with the <paramref name="learnable"/>-th learnable one if that many
    /// are there (rows without a learnable label in between are returned too; they move the cursor but are not
    /// trained on). Returns an empty list when nothing new is there; waits at most about <paramref name="wait"/>.
    /// </summary>
    IReadOnlyList<CleanedRow> Poll(int learnable, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>Called after a version holding rows up to <paramref name="cursor"/> was published (Kafka: commits the group's offsets).</summary>
    void Committed(StreamCursor cursor);
}
