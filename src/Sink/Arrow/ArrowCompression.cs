namespace TokenClean.Sink.Arrow;

/// <summary>
/// Arrow IPC body compression (the IPC format's per-buffer compression, Apache.Arrow.Compression codecs). Off by
/// default: a compressed body cannot be memory-mapped zero-copy (docs/SINK.md).
/// </summary>
public enum ArrowCompression
{
    None,
    Zstd,
    Lz4,
}

/// <summary>Names of <see cref="ArrowCompression"/> in settings and flags.</summary>
public static class ArrowCompressionNames
{
    /// <summary>Parses <c>none</c>, <c>zstd</c> or <c>lz4</c> (case-insensitive).</summary>
    public static bool TryParse(string? text, out ArrowCompression compression)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "none":
                compression = ArrowCompression.None;
                return true;
            case "zstd":
                compression = ArrowCompression.Zstd;
                return true;
            case "lz4":
                compression = ArrowCompression.Lz4;
                return true;
            default:
                compression = ArrowCompression.None;
                return false;
        }
    }
}
