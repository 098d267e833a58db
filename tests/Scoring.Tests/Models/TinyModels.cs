using TokenClean.Embedded.Models;
using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Models;

/// <summary>Random tiny checkpoints of every variant, made once per test run and shared.</summary>
internal static class TinyModels
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "tc-tiny-models-" + Environment.ProcessId);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        };
        foreach (var v in CheckpointRecipe.Variants)
        {
            var dir = Path.Combine(root, v);
            if (!File.Exists(Path.Combine(dir, "config.json")))
            {
                RandomCheckpoint.Create(new CheckpointRecipe { Variant = v, Seed = 7 }, dir);
            }
        }

        return root;
    });

    public static TheoryData<string> Variants() => new(CheckpointRecipe.Variants);

    public static string Dir(string variant) => Path.Combine(Root.Value, variant);

    /// <summary>Deterministic pseudo-random token ids in [0, vocab).</summary>
    public static int[] Tokens(int length, int seed, int vocab = 256)
    {
        var r = new Random(seed);
        var t = new int[length];
        for (var i = 0; i < length; i++)
        {
            t[i] = r.Next(vocab);
        }

        return t;
    }
}
