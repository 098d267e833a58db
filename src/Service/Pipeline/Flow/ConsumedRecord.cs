using Confluent.Kafka;
using TokenClean.Core.Sources;

namespace TokenClean.Service.Pipeline;

/// <summary>A record as the source hands it to the graph: its position, its assignment generation and its bytes.</summary>
/// <param name="Position">Where it came from; travels with the record to the sink, which reports it durable.</param>
/// <param name="Generation">
/// The assignment generation of its partition when it was consumed; the stages drop a record whose generation ended
/// (the partition was revoked or lost, or the lake reopened). A file source uses one generation for the whole input.
/// </param>
/// <param name="Value">The record value (null for a tombstone).</param>
/// <param name="Headers">The Kafka headers, kept for dead letters (null for a file).</param>
internal sealed record ConsumedRecord(SourceOffset Position, int Generation, byte[]? Value, Headers? Headers);
