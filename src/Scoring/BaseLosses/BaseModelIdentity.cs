using System.Security.Cryptography;
using System.Text;

namespace TokenClean.Scoring.BaseLosses;

/// <summary>
/// What makes two base models' per-token losses interchangeable: the same config.json, the same weight files byte
/// for byte, the same compute dtype. A stored base loss is reused only under an equal identity.
/// </summary>
public static class BaseModelIdentity
{
    /// <summary>The identity of the checkpoint in <paramref name="directory"/> computed in <paramref name="dtype"/>: a hex SHA-256.</summary>
    /// <remarks>Reads every weight file once (about 1–2 s per GB); the directory's name plays no part, so a copy of
    /// the same checkpoint elsewhere has the same identity.</remarks>
    /// <exception cref="FileNotFoundException">No config.json in <paramref name="directory"/>.</exception>
    public static string Of(string directory, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var config = Path.Combine(directory, "config.json");
        if (!File.Exists(config))
        {
            throw new FileNotFoundException($"no config.json in '{directory}'", config);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes("tokenclean-base-losses/1\n" + dtype + "\n"));
        hash.AppendData(File.ReadAllBytes(config));
        var buffer = new byte[1 << 20];
        foreach (var file in Directory.GetFiles(directory, "*.safetensors").Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes("\n" + Path.GetFileName(file) + "\n"));
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
