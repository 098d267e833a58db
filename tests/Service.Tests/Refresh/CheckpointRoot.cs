using TokenClean.Embedded.Models;
using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;
using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

/// <summary>
/// A temporary checkpoint location the way a trainer fills it: a base model outside the root, and versions under
/// <c>root/</c> derived from it (real HF checkpoints of a tiny Llama, written by the engine's random-checkpoint API).
/// </summary>
public sealed class CheckpointRoot : IDisposable
{
    public static readonly CheckpointRecipe Tiny = new()
    {
        Variant = "llama", Hidden = 32, Layers = 1, Heads = 4, KvHeads = 2, Intermediate = 64, Vocab = 128, MaxPositions = 128, Seed = 1,
    };

    /// <summary>Tiny with a head size of 16, where fp32 CPU scoring runs the C# attention kernel (Tiny's 8 does not).</summary>
    public static readonly CheckpointRecipe TinyKernelSized = Tiny with { Hidden = 64 };

    public CheckpointRoot()
        : this(Tiny)
    {
    }

    public CheckpointRoot(CheckpointRecipe recipe)
    {
        Directory.CreateDirectory(Root);
        BaseConfig = RandomCheckpoint.Create(recipe, BaseDir);
    }

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "tc-refresh-" + Guid.NewGuid().ToString("N"));

    public string Root => Path.Combine(Dir, "root");

    public string BaseDir => Path.Combine(Dir, "base");

    public ModelConfig BaseConfig { get; }

    public RefreshOptions Options(TimeSpan? poll = null) => new()
    {
        Root = Root,
        PollInterval = poll ?? TimeSpan.FromMilliseconds(50),
    };

    /// <summary>Writes version <paramref name="version"/> (base + seeded noise) and then, unless told not to, its marker.</summary>
    public string Publish(string version, bool marker = true, string? parent = null)
    {
        var dir = Path.Combine(parent ?? Root, version);
        RandomCheckpoint.Perturb(BaseDir, dir, 0.05, Seed(version));
        if (marker)
        {
            WriteMarker(dir);
        }

        return dir;
    }

    /// <summary>Writes a checkpoint of another recipe (other vocabulary, architecture, sizes) as a version.</summary>
    public string PublishRecipe(string version, CheckpointRecipe recipe)
    {
        var dir = Path.Combine(Root, version);
        RandomCheckpoint.Create(recipe, dir);
        WriteMarker(dir);
        return dir;
    }

    public static void WriteMarker(string dir, string name = RefreshOptions.DefaultMarkerFileName) =>
        File.WriteAllText(Path.Combine(dir, name), DateTime.UtcNow.ToString("O"));

    /// <summary>Sets one element of one weight to NaN: the file stays well-formed, only the probe can tell.</summary>
    public static void PoisonOneWeight(string dir)
    {
        var path = Path.Combine(dir, "model.safetensors");
        var items = new List<SafetensorsWriter.Item>();
        using (var file = SafetensorsFile.Open(path))
        {
            foreach (var (name, entry) in file.Entries)
            {
                var values = HalfBits.Decode(file.RawBytes(entry), entry.DType);
                if (name == "model.layers.0.mlp.down_proj.weight")
                {
                    values[5] = float.NaN;
                }

                items.Add(new(name, entry.DType, entry.Shape, HalfBits.Encode(values, entry.DType)));
            }
        }

        SafetensorsWriter.Write(path, items);
    }

    /// <summary>Expected per-token probe losses of the checkpoint in <paramref name="dir"/>, computed by loading it directly.</summary>
    public static float[][] ProbeLosses(string dir)
    {
        using var model = CausalLm.Load(dir);
        return model.TokenLosses(ReferenceValidator.ProbeFor(model));
    }

    /// <summary>Polls <paramref name="condition"/> every 10 ms; false when it did not hold within <paramref name="timeout"/>.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(10);
        }

        return true;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A file still mapped by a model a failing test left behind; the OS temp cleaner gets it.
        }
    }

    /// <summary>A seed per version name, stable across runs (string.GetHashCode is not).</summary>
    private static long Seed(string version)
    {
        long h = 17;
        foreach (var c in version)
        {
            h = (h * 31) + c;
        }

        return h;
    }
}
