namespace TokenClean.Service.Cleaning;

/// <summary>
/// One output row per sample, with the columns of the output schema (docs/ARCHITECTURE.md, "Output record").
/// Arrays are borrowed from the selection result, not copied.
/// </summary>
internal sealed class OutputRecord
{
    public required string SampleId { get; init; }

    /// <summary>Provenance: null for file input.</summary>
    public string? SourceTopic { get; init; }

    public int? SourcePartition { get; init; }

    public long? SourceOffset { get; init; }

    public required int[] InputIds { get; init; }

    /// <summary>Token id where trained on, -100 elsewhere.</summary>
    public required int[] Labels { get; init; }

    /// <summary>loss_base − loss_ref; NaN for prompt tokens and position 0.</summary>
    public required float[] Influence { get; init; }

    public required int ResponseTokens { get; init; }

    public required int KeptTokens { get; init; }

    public required string RefModelVersion { get; init; }

    public required string BaseModel { get; init; }

    /// <summary>The influence of the last token kept in this sample's selection group; NaN when none was kept.</summary>
    public required float Threshold { get; init; }

    public required DateTimeOffset ScoredAt { get; init; }

    /// <summary>Per-token base loss, written only with <c>--emit-losses</c>.</summary>
    public float[]? BaseLoss { get; init; }

    /// <summary>Per-token reference loss, written only with <c>--emit-losses</c>.</summary>
    public float[]? RefLoss { get; init; }
}
