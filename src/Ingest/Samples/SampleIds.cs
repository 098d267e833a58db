using System.Security.Cryptography;

namespace TokenClean.Ingest.Samples;

/// <summary>Sample ids for inputs that carry none.</summary>
public static class SampleIds
{
    /// <summary>
    /// Lower-case hex of the first 16 bytes of SHA-256 over the raw message bytes (32 characters). Stable across
    /// runs and machines; identical payloads get identical ids.
    /// </summary>
    public static string ContentHash(ReadOnlySpan<byte> raw)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(raw, hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
