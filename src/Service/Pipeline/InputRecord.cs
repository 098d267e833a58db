using Confluent.Kafka;

namespace TokenClean.Service.Pipeline;

/// <summary>One consumed Kafka record, tagged with the assignment generation of its partition.</summary>
/// <param name="Topic">Source topic.</param>
/// <param name="Partition">Source partition.</param>
/// <param name="Offset">Source offset.</param>
/// <param name="Generation">Changes every time the partition is (re)assigned; the sink drops records of an older one.</param>
/// <param name="Value">The record value (null for a tombstone).</param>
/// <param name="Headers">The record headers, kept for dead letters.</param>
internal sealed record InputRecord(string Topic, int Partition, long Offset, int Generation, byte[]? Value, Headers? Headers);
