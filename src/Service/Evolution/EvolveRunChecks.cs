using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TokenClean.Core.Files;

namespace TokenClean.Service.Evolution;

/// <summary>What <c>evolve</c> refuses before it starts: bad arguments, and an OUT that holds a run with other settings.</summary>
internal static class EvolveRunChecks
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>What is wrong with the arguments, or null.</summary>
    public static string? Options(EvolveOptions o)
    {
        if (!File.Exists(o.Input))
        {
            return $"input file not found: {o.Input}";
        }

        if (!File.Exists(Path.Combine(o.BaseModel, "config.json")))
        {
            return $"base model '{o.BaseModel}' not found: expected a directory with config.json and model.safetensors";
        }

        if ((o.Warmup is null) == (o.Reference is null))
        {
            return "give exactly one of --warmup PATH (the first reference is the base fine-tuned on it) and --ref DIR (a ready first reference)";
        }

        if (o.Warmup is not null && !File.Exists(o.Warmup) && !Directory.Exists(o.Warmup))
        {
            return $"warm-up data not found: {o.Warmup}";
        }

        if (o.Reference is not null && !File.Exists(Path.Combine(o.Reference, "config.json")))
        {
            return $"cannot load the reference '{o.Reference}': no config.json there";
        }

        if (o.Chunks < 1)
        {
            return "--chunks must be at least 1";
        }

        if (!(o.Keep >= 0 && o.Keep <= 1))
        {
            return $"--keep must be in [0, 1], got {o.Keep.ToString(CultureInfo.InvariantCulture)}";
        }

        if (o.Selection is not (EvolveOptions.Chunk or Scoring.Selection.SelectionPolicies.PerSample or Scoring.Selection.SelectionPolicies.Threshold))
        {
            return $"--selection must be chunk, per-sample or threshold, got '{o.Selection}'";
        }

        if (o.Selection == Scoring.Selection.SelectionPolicies.Threshold && o.Threshold is null)
        {
            return "--selection threshold needs --threshold T";
        }

        return o.MinKeptPerSample < 0 ? "--min-kept-per-sample must be 0 or more" : null;
    }

    /// <summary>
    /// Records the run's settings in OUT/evolve-run.json the first time; a later run into the same OUT must have the
    /// same ones (same input bytes, base, first reference, chunks, selection, training), else its rounds would mix.
    /// </summary>
    public static string? SameRun(EvolveOptions o, string outDir, long total)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["input_sha256"] = FileSha256(o.Input),
            ["records"] = total.ToString(CultureInfo.InvariantCulture),
            ["base"] = Path.GetFullPath(o.BaseModel),
            ["first_reference"] = o.Reference is not null ? "ref:" + Path.GetFullPath(o.Reference) : "warmup:" + Path.GetFullPath(o.Warmup!),
            ["chunks"] = o.Chunks.ToString(CultureInfo.InvariantCulture),
            ["selection"] = JsonSerializer.Serialize(o.SelectionOptions),
            ["training"] = o.Training.Describe(),
            ["scoring_dtype"] = o.ScoringDType.ToString(),
            ["tokenizer"] = o.Tokenizer ?? "",
            ["chat_template"] = o.ChatTemplate ?? "",
        };
        var path = Path.Combine(outDir, "evolve-run.json");
        var json = JsonSerializer.Serialize(settings, Json);
        if (!File.Exists(path))
        {
            AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(json)));
            return null;
        }

        var earlier = JsonSerializer.Deserialize<SortedDictionary<string, string>>(File.ReadAllText(path)) ?? [];
        var differ = settings.Where(kv => !earlier.TryGetValue(kv.Key, out var v) || v != kv.Value).Select(kv => kv.Key).ToList();
        return differ.Count == 0
            ? null
            : $"'{outDir}' holds an evolve run with other settings ({string.Join(", ", differ)} differ): choose another --out (pass --base-losses {Path.Combine(outDir, "base-losses")} to reuse its base losses)";
    }

    private static string FileSha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
