using System.Security.Cryptography;

namespace TokenClean.Sink.Output;

/// <summary>
/// Which tokenizer made an output's token ids: the one lineage format of serve's lake files, clean's Arrow/Parquet
/// schema metadata and clean's manifest (<c>tokenizer_id</c>, <c>tokenizer_hash</c>).
/// </summary>
/// <param name="Id">The name of the folder that holds <c>tokenizer.json</c> (usually the model's name), or <c>none</c>.</param>
/// <param name="Hash"><c>sha256:</c> + lower-case hex of <c>tokenizer.json</c>'s bytes, or <c>none</c>.</param>
public readonly record struct TokenizerLineage(string Id, string Hash)
{
    /// <summary>No tokenizer (pre-tokenized input cleaned without one).</summary>
    public static TokenizerLineage None { get; } = new("none", "none");

    /// <summary>The lineage of <c>tokenizer.json</c>, or of a folder that holds it; <see cref="None"/> when there is none.</summary>
    public static TokenizerLineage FromPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return None;
        }

        var file = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        if (!File.Exists(file))
        {
            return None;
        }

        var full = Path.GetFullPath(file);
        using var stream = File.OpenRead(full);
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        return new TokenizerLineage(Path.GetFileName(Path.GetDirectoryName(full)) ?? full, hash);
    }
}
