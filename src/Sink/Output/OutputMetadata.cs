namespace TokenClean.Sink.Output;

/// <summary>
/// Schema-level metadata every output file carries, so that a file says how it was made. Written as Arrow schema
/// custom metadata under the keys in <see cref="ToKeyValues"/>.
/// </summary>
public sealed record OutputMetadata(
    string TokenizerId,
    string TokenizerHash,
    string SelectionMode,
    double KeepRatio,
    string SoftwareVersion)
{
    /// <summary>Version of the output schema itself; bumped when columns change. Also sent as a Kafka header.</summary>
    public const string SchemaVersion = "1";

    public IReadOnlyList<KeyValuePair<string, string>> ToKeyValues() =>
    [
        new("tokenclean.schema_version", SchemaVersion),
        new("tokenclean.tokenizer_id", TokenizerId),
        new("tokenclean.tokenizer_hash", TokenizerHash),
        new("tokenclean.selection_mode", SelectionMode),
        new("tokenclean.keep_ratio", KeepRatio.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        new("tokenclean.software_version", SoftwareVersion),
    ];
}
