namespace TokenClean.Service.Pipeline;

/// <summary>
/// Where rejected records go, with their original bytes and the reason. <see cref="WriteDurably"/> returns only
/// when every given record is durable (the Kafka producer's acks=all acknowledgement, or the file's fsync): only
/// then may the records' offsets be marked processed and later committed.
/// </summary>
/// <remarks>Called by the sink step alone (one thread at a time).</remarks>
internal interface IDeadLetterSink : IDisposable
{
    /// <summary>Writes <paramref name="items"/> (all rejected) and waits until they are durable.</summary>
    /// <exception cref="IOException">They could not be made durable; the caller must stop.</exception>
    void WriteDurably(IReadOnlyList<FinishedRecord> items);

    /// <summary>The partition was revoked: forget cached state (another instance may append meanwhile).</summary>
    void Forget(string topic, int partition);
}
