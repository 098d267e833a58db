namespace TokenClean.Sink.Output;

/// <summary>
/// How an output was made, recorded once per file: Arrow/Parquet schema custom metadata (the keys of
/// <see cref="ToKeyValues"/>) for serve's lake files and clean's files, and clean's JSON manifest. The one
/// output-metadata type of serve and clean.
/// </summary>
/// <param name="TokenizerId">The tokenizer's <see cref="TokenizerLineage.Id"/>.</param>
/// <param name="TokenizerHash">The tokenizer's <see cref="TokenizerLineage.Hash"/>.</param>
/// <param name="SelectionMode">The selection policy's mode (<c>global-topk</c>, <c>window</c>, <c>per-sample</c>).</param>
/// <param name="KeepRatio">The fraction of response tokens the policy keeps.</param>
/// <param name="SoftwareVersion">The tokenclean build that wrote the file.</param>
public sealed record OutputMetadata(
    string TokenizerId,
    string TokenizerHash,
    string SelectionMode,
    double KeepRatio,
    string SoftwareVersion)
{
    /// <summary>Version of the output schema itself; bumped when columns change. Also sent as a Kafka header.</summary>
    public const string SchemaVersion = "1";

    /// <summary>Metadata of an output whose tokenizer is <paramref name="tokenizer"/>.</summary>
    public OutputMetadata(TokenizerLineage tokenizer, string selectionMode, double keepRatio, string softwareVersion)
        : this(tokenizer.Id, tokenizer.Hash, selectionMode, keepRatio, softwareVersion)
    {
    }

    /// <summary>True when records carry the per-token <c>base_loss</c> and <c>ref_loss</c> columns too.</summary>
    public bool EmitLosses { get; init; }

    /// <summary>
    /// True when records carry the per-token <c>soft_weight</c> column (the selection's soft weights,
    /// <see cref="SoftWeightMap"/> says which map).
    /// </summary>
    public bool SoftWeights { get; init; }

    /// <summary>The soft-weight map, recorded in the schema metadata when <see cref="SoftWeights"/> is on.</summary>
    public string? SoftWeightMap { get; init; }

    /// <summary>The base model of a whole run (clean's manifest); null where rows name it (serve).</summary>
    public string? BaseModel { get; init; }

    /// <summary>The reference model version of a whole run (clean's manifest); null where rows name it (serve).</summary>
    public string? RefModelVersion { get; init; }

    /// <summary>The schema metadata entries (Arrow <c>custom_metadata</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ToKeyValues()
    {
        List<KeyValuePair<string, string>> entries =
        [
            new("tokenclean.schema_version", SchemaVersion),
            new("tokenclean.tokenizer_id", TokenizerId),
            new("tokenclean.tokenizer_hash", TokenizerHash),
            new("tokenclean.selection_mode", SelectionMode),
            new("tokenclean.keep_ratio", KeepRatio.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            new("tokenclean.software_version", SoftwareVersion),
        ];
        if (SoftWeights)
        {
            entries.Add(new("tokenclean.soft_weight_map", SoftWeightMap ?? "unspecified"));
        }

        return entries;
    }
}
