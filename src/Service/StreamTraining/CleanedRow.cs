using TokenClean.Core.Samples;

namespace TokenClean.Service.StreamTraining;

/// <summary>One row of the cleaned output, as the streaming trainer reads it.</summary>
/// <param name="Sample">Ids and labels (-100 = not learned: prompt and dropped tokens).</param>
/// <param name="ScoredBy">The reference version that scored the row (its <c>ref_model_version</c>).</param>
/// <param name="Origin">Where the row was read: a lake file and row, or an output-topic partition, offset and row.</param>
/// <param name="StreamKey">The cursor key of its stream.</param>
/// <param name="After">The stream's position once this row is used.</param>
/// <param name="Learnable">True when a label other than -100 follows position 0 (else it is used but not trained on).</param>
public sealed record CleanedRow(TokenizedSample Sample, string ScoredBy, string Origin, string StreamKey, StreamPosition After, bool Learnable);
