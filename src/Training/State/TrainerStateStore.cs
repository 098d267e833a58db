using TokenClean.Core.Files;
using System.Globalization;
using System.Text.Json;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Training.Checkpoints;
using TokenClean.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Training.State;

/// <summary>
/// A run's resumable state in a directory: <c>step-NNNNNNNN/</c> folders (trainer.json + optimizer.safetensors with
/// the float32 master weights and both AdamW moments of every trained tensor) and a <c>LATEST</c> file naming the
/// newest complete one. A folder is written under a temporary name, fsync'd and renamed before <c>LATEST</c> is
/// switched to it (itself through a temporary file), so a crash at any moment leaves the previous state intact.
/// </summary>
public static class TrainerStateStore
{
    private const string LatestFile = "LATEST";
    private const string StateFile = "trainer.json";
    private const string TensorsFile = "optimizer.safetensors";

    /// <summary>Saves <paramref name="state"/> and the optimizer's tensors; older saved steps are removed afterwards.</summary>
    public static void Save(string directory, TrainerState state, AdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(optimizer);
        Directory.CreateDirectory(directory);
        var name = string.Create(CultureInfo.InvariantCulture, $"step-{state.Step:D8}");
        var final = Path.Combine(directory, name);
        var tmp = Path.Combine(directory, "." + name + ".tmp");
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }

        Directory.CreateDirectory(tmp);
        var items = new List<SafetensorsWriter.Item>();
        foreach (var (n, master, m, v) in optimizer.State())
        {
            items.Add(Item("master/" + n, master));
            items.Add(Item("m/" + n, m));
            items.Add(Item("v/" + n, v));
        }

        SafetensorsWriter.Write(Path.Combine(tmp, TensorsFile), items);
        File.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        AtomicFile.FlushToDisk(Path.Combine(tmp, StateFile));
        DirectorySync.Fsync(tmp);
        if (Directory.Exists(final))
        {
            Directory.Delete(final, recursive: true);
        }

        Directory.Move(tmp, final);
        DirectorySync.Fsync(directory);
        AtomicFile.Write(Path.Combine(directory, LatestFile), stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(name)));
        foreach (var old in Directory.EnumerateDirectories(directory, "step-*"))
        {
            if (!string.Equals(Path.GetFileName(old), name, StringComparison.Ordinal))
            {
                Directory.Delete(old, recursive: true);
            }
        }
    }

    /// <summary>The newest saved state in <paramref name="directory"/>, or null when nothing was saved yet.</summary>
    public static TrainerState? Peek(string directory)
    {
        var at = Latest(directory);
        if (at is null)
        {
            return null;
        }

        return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(at, StateFile)))
            ?? throw new TrainingException($"'{Path.Combine(at, StateFile)}' is empty");
    }

    /// <summary>
    /// Restores the newest saved state into <paramref name="optimizer"/> (and through it the trained parameters).
    /// Null when nothing was saved. Throws <see cref="TrainingException"/> when the state belongs to another run.
    /// </summary>
    public static TrainerState? Restore(string directory, string fingerprint, AdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var state = Peek(directory);
        if (state is null)
        {
            return null;
        }

        if (!string.Equals(state.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            throw new TrainingException(
                $"the training state in '{directory}' belongs to another run (options, data or model differ):\n  saved: {state.Fingerprint}\n  now:   {fingerprint}\n"
                + "resume with the same arguments and data, or delete that directory to start over");
        }

        using var file = SafetensorsFile.Open(Path.Combine(Latest(directory)!, TensorsFile));
        optimizer.Restore(state.Step, (kind, name) =>
        {
            var key = kind + "/" + name;
            if (!file.Entries.ContainsKey(key))
            {
                throw new TrainingException($"the saved state has no tensor '{key}'");
            }

            return file.Load(key, Scoring.DType.Float32, "cpu");
        });
        return state;
    }

    private static string? Latest(string directory)
    {
        var latest = Path.Combine(directory, LatestFile);
        if (!File.Exists(latest))
        {
            return null;
        }

        var at = Path.Combine(directory, File.ReadAllText(latest).Trim());
        if (!File.Exists(Path.Combine(at, StateFile)) || !File.Exists(Path.Combine(at, TensorsFile)))
        {
            throw new TrainingException($"'{latest}' names '{at}', which is incomplete");
        }

        return at;
    }

    private static SafetensorsWriter.Item Item(string name, Tensor t)
    {
        using var scope = NewDisposeScope();
        var values = t.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        return new(name, Scoring.DType.Float32, t.shape, HalfBits.Encode(values, Scoring.DType.Float32));
    }
}
