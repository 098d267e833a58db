using TokenClean.Core.Samples;
using TokenClean.Core.Sources;

namespace TokenClean.Sink.Output;

/// <summary>
/// One cleaned sample, the row the sink writes (docs/ARCHITECTURE.md, "Output record"). The token arrays are
/// written as they are (one copy of the span, no per-token work), so they may be slices of pooled buffers that
/// stay valid until the sink's Append returns.
/// </summary>
public sealed class OutputRecord
{
    /// <summary>The input's id, else a content hash.</summary>
    public required string SampleId { get; init; }

    /// <summary>Provenance for Kafka input; all three are null for file input.</summary>
    public string? SourceTopic { get; init; }

    public int? SourcePartition { get; init; }

    public long? SourceOffset { get; init; }

    /// <summary>The full tokenized sample (prompt + response, chat template applied).</summary>
    public required ReadOnlyMemory<int> InputIds { get; init; }

    /// <summary>Token id where the token is trained on, -100 elsewhere (prompt and dropped tokens). Same length as <see cref="InputIds"/>.</summary>
    public required ReadOnlyMemory<int> Labels { get; init; }

    /// <summary>
    /// loss_base − loss_ref per token, same length as <see cref="InputIds"/>; <see cref="float.NaN"/> where a token
    /// has no score (prompt tokens). NaN rather than a null item: the list stays one flat float32 buffer that a
    /// trainer can map to a tensor without a validity mask, and no real score is NaN.
    /// </summary>
    public required ReadOnlyMemory<float> Influence { get; init; }

    public required int ResponseTokens { get; init; }

    public required int KeptTokens { get; init; }

    public required string RefModelVersion { get; init; }

    public required string BaseModel { get; init; }

    /// <summary>The influence threshold that was applied (a kept token has influence ≥ threshold).</summary>
    public required float Threshold { get; init; }

    /// <summary>When the sample was scored; written as timestamp[ms, UTC].</summary>
    public required DateTimeOffset ScoredAt { get; init; }

    /// <summary>
    /// Per-token loss under the base model (NaN where not scored); written only by writers whose schema has a
    /// <c>base_loss</c> column (<c>clean --emit-losses</c>); the lake ignores it.
    /// </summary>
    public ReadOnlyMemory<float>? BaseLoss { get; init; }

    /// <summary>Per-token loss under the reference model, like <see cref="BaseLoss"/> (column <c>ref_loss</c>).</summary>
    public ReadOnlyMemory<float>? RefLoss { get; init; }

    /// <summary>Per-token training weights from the selection (column <c>soft_weight</c>); null when not asked for.</summary>
    public ReadOnlyMemory<float>? SoftWeights { get; init; }

    /// <summary>
    /// The row of a selected sample: the one mapping from the pipeline's result to the output record, used by every
    /// command (serve's lake and output topic, clean's files).
    /// </summary>
    /// <param name="selected">The sample, its scores and its selection.</param>
    /// <param name="source">Where the sample was read (a Kafka partition offset); null for file input, whose rows
    /// carry no source columns.</param>
    /// <param name="baseModel">The base model's lineage string.</param>
    /// <param name="refModelVersion">The reference checkpoint that scored it.</param>
    /// <param name="scoredAt">When it was scored.</param>
    /// <param name="withLosses">Also carry the per-token losses (<c>clean --emit-losses</c>).</param>
    public static OutputRecord From(
        SelectedSample selected, SourceOffset? source, string baseModel, string refModelVersion, DateTimeOffset scoredAt, bool withLosses = false)
    {
        ArgumentNullException.ThrowIfNull(selected);
        var scored = selected.Scored;
        return new OutputRecord
        {
            SampleId = scored.Sample.Id,
            SourceTopic = source?.Source.Topic,
            SourcePartition = source?.Source.Partition,
            SourceOffset = source?.Offset,
            InputIds = scored.Sample.InputIds,
            Labels = selected.Labels,
            Influence = scored.Influence,
            ResponseTokens = scored.ResponseTokens,
            KeptTokens = selected.KeptTokens,
            RefModelVersion = refModelVersion,
            BaseModel = baseModel,
            Threshold = selected.Threshold,
            ScoredAt = scoredAt,
            BaseLoss = withLosses ? scored.BaseLoss : (ReadOnlyMemory<float>?)null, // a bare null would become an empty memory
            RefLoss = withLosses ? scored.ReferenceLoss : (ReadOnlyMemory<float>?)null,
            SoftWeights = selected.SoftWeights is { } w ? w : (ReadOnlyMemory<float>?)null,
        };
    }
}
