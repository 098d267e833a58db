namespace TokenClean.Scoring.Tests.Models;

/// <summary>
/// Golden per-token losses made by Hugging Face transformers (tools/fixtures/make_hf_fixtures.py) on a machine
/// that has it: one folder per architecture with config.json, model.safetensors and losses.json.
/// TOKENCLEAN_HF_FIXTURES points elsewhere (e.g. at fixtures from another reference).
/// </summary>
internal static class HfFixtures
{
    public static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("TOKENCLEAN_HF_FIXTURES");
            if (!string.IsNullOrEmpty(env))
            {
                return env;
            }

            return TokenClean.Tests.Shared.RepoRoot.File("tests", "Scoring.Tests", "Fixtures");
        }
    }

    public static string[] Present() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root).Where(d => File.Exists(Path.Combine(d, "losses.json"))).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : [];

    public static TheoryData<string> Architectures()
    {
        var present = Present();
        // A theory needs a row even when it is skipped; the attribute below marks it skipped.
        return present.Length > 0 ? new TheoryData<string>(present) : new TheoryData<string>("none");
    }
}

/// <summary>A theory that shows as skipped, with the reason, when no fixture folders are present.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class HfFixtureTheoryAttribute : TheoryAttribute
{
    public HfFixtureTheoryAttribute()
    {
        if (HfFixtures.Present().Length == 0)
        {
            Skip = $"no Hugging Face fixtures under {HfFixtures.Root}: run tools/fixtures/make_hf_fixtures.py where transformers is installed";
        }
    }
}
