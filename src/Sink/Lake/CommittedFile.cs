using TokenClean.Core.Sources;

namespace TokenClean.Sink.Lake;

/// <summary>
/// A data-lake file that is complete and durable (fsync'd, renamed, directory fsync'd). Its input offsets
/// <see cref="FirstOffset"/>..<see cref="LastOffset"/> (inclusive) are done: the Kafka offset to commit is
/// <see cref="NextOffset"/>. <see cref="Records"/> is -1 for files found by a scan (their rows are not read).
/// </summary>
public sealed record CommittedFile(string Path, SourcePartition Source, long FirstOffset, long LastOffset, int Records, long Bytes)
{
    public long NextOffset => LastOffset + 1;
}
