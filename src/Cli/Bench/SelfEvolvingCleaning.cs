using System.Globalization;

namespace TokenClean.Cli.Bench;

/// <summary>
/// The benchmark's one seam to the self-evolving loop (issue 14's <c>tokenclean evolve</c>): clean the pool in
/// chunks, each scored by θ0 and the latest reference and the reference fine-tuned on each cleaned chunk, and hand
/// back the cleaned rows for the final training from θ0.
/// </summary>
/// <remarks>
/// Available only when the command tree has an <c>evolve</c> command. TODO(lead, after feat/evolve is merged): check
/// the flags below against the merged command and where it writes the cleaned chunks (this looks for .arrow/.parquet
/// files outside <c>OUT/reference/</c>), then run the full benchmark again so the self-evolving rows are filled.
/// </remarks>
internal sealed class SelfEvolvingCleaning(Func<string[], string> invoke, Func<bool> commandExists)
{
    /// <summary>Why the method cannot run in this build, or null when it can.</summary>
    public string? Unavailable => commandExists()
        ? null
        : "tokenclean evolve is not in this build (issue 14, branch feat/evolve); the self-evolving rows are left out";

    /// <summary>Runs evolve and returns a directory of the cleaned chunks that <c>train --data</c> reads.</summary>
    public string Clean(string pool, string baseDir, string referenceDir, double keep, int chunks, string outDir)
    {
        invoke(
        [
            "evolve", "--input", pool, "--base", baseDir, "--ref", referenceDir, "--out", outDir,
            "--chunks", chunks.ToString(CultureInfo.InvariantCulture), "--keep", keep.ToString("R", CultureInfo.InvariantCulture),
            "--selection", "chunk",
        ]);
        var reference = Path.Combine(outDir, "reference") + Path.DirectorySeparatorChar;
        var cleaned = Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories)
            .Where(f => (f.EndsWith(".arrow", StringComparison.Ordinal) || f.EndsWith(".parquet", StringComparison.Ordinal))
                        && !f.StartsWith(reference, StringComparison.Ordinal) && !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (cleaned.Count == 0)
        {
            throw new InvalidOperationException($"evolve wrote no cleaned .arrow/.parquet chunk under {outDir} (outside reference/)");
        }

        var staging = Path.Combine(outDir, "..", Path.GetFileName(outDir) + "-cleaned");
        Directory.CreateDirectory(staging);
        for (var i = 0; i < cleaned.Count; i++)
        {
            File.Copy(cleaned[i], Path.Combine(staging, $"{i:D4}-{Path.GetFileName(cleaned[i])}"), overwrite: true);
        }

        return Path.GetFullPath(staging);
    }
}
