using TokenClean.Core.Files;
using System.Text.Json;
using TokenClean.Scoring.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Training.Checkpoints;

/// <summary>
/// Writes a complete Hugging Face checkpoint directory derived from a base one: the base's config.json, one
/// model.safetensors holding every base tensor (trained ones replaced, each in the dtype the base stores it in) and
/// the base's tokenizer files. Everything is written into a hidden temporary sibling, fsync'd, the completion marker
/// written last, and the directory renamed into place: a reader never sees a half-written version.
/// </summary>
public static class CheckpointPublisher
{
    /// <summary>The completion marker (the refresher's RefreshOptions.DefaultMarkerFileName).</summary>
    public const string MarkerFileName = "_COMPLETE";

    /// <summary>Files copied from the base directory when present (tokenizer, chat template, generation defaults).</summary>
    public static IReadOnlyList<string> CopiedFiles { get; } =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json",
        "merges.txt", "tokenizer.model", "chat_template.jinja", "chat_template.json", "generation_config.json",
    ];

    /// <summary>
    /// Publishes <paramref name="weights"/> (HF tensor name → values in any float dtype; the caller keeps ownership)
    /// over the base checkpoint in <paramref name="baseDirectory"/> as the new directory <paramref name="outDirectory"/>.
    /// </summary>
    /// <param name="baseDirectory">The checkpoint trained from.</param>
    /// <param name="outDirectory">The new directory (must not exist).</param>
    /// <param name="weights">Trained tensors by HF name.</param>
    /// <param name="info">Written as <c>tokenclean_training.json</c> (how the checkpoint was trained), and in the marker.</param>
    /// <exception cref="IOException"><paramref name="outDirectory"/> already exists, or writing failed (nothing is left visible).</exception>
    /// <exception cref="TrainingException">A tensor is not in the base checkpoint or has another shape.</exception>
    public static void Publish(string baseDirectory, string outDirectory, IReadOnlyDictionary<string, Tensor> weights, IReadOnlyDictionary<string, object?>? info = null)
    {
        ArgumentNullException.ThrowIfNull(baseDirectory);
        ArgumentNullException.ThrowIfNull(outDirectory);
        ArgumentNullException.ThrowIfNull(weights);
        var target = Path.GetFullPath(Path.TrimEndingDirectorySeparator(outDirectory));
        if (Directory.Exists(target) || File.Exists(target))
        {
            throw new IOException($"'{outDirectory}' already exists; a published checkpoint is never overwritten");
        }

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        foreach (var stale in Directory.EnumerateDirectories(parent, $".{Path.GetFileName(target)}.tmp-*"))
        {
            Directory.Delete(stale, recursive: true); // left by a publish that was killed: never visible, never complete
        }

        var tmp = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            WriteWeights(baseDirectory, Path.Combine(tmp, "model.safetensors"), weights);
            foreach (var name in CopiedFiles.Prepend("config.json"))
            {
                var from = Path.Combine(baseDirectory, name);
                if (File.Exists(from))
                {
                    var to = Path.Combine(tmp, name);
                    File.Copy(from, to);
                    AtomicFile.FlushToDisk(to);
                }
            }

            var json = JsonSerializer.Serialize(info ?? new Dictionary<string, object?>(), new JsonSerializerOptions { WriteIndented = true });
            WriteDurably(Path.Combine(tmp, "tokenclean_training.json"), json);
            DirectorySync.Fsync(tmp);

            // The marker comes last: its presence means every other file is complete and on disk.
            WriteDurably(Path.Combine(tmp, MarkerFileName), json);
            DirectorySync.Fsync(tmp);
            Directory.Move(tmp, target);
            DirectorySync.Fsync(parent);
        }
        catch
        {
            try
            {
                if (Directory.Exists(tmp))
                {
                    Directory.Delete(tmp, recursive: true);
                }
            }
            catch (IOException)
            {
                // best effort: a hidden .tmp-* folder without a marker is ignored by every reader
            }

            throw;
        }
    }

    private static void WriteDurably(string path, string text)
    {
        File.WriteAllText(path, text);
        AtomicFile.FlushToDisk(path);
    }

    private static void WriteWeights(string baseDirectory, string path, IReadOnlyDictionary<string, Tensor> weights)
    {
        var items = new List<SafetensorsWriter.Item>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        using (var files = CheckpointFiles.Open(baseDirectory))
        {
            foreach (var (stored, file) in files.Tensors)
            {
                var entry = file.Entries[stored];
                var key = weights.ContainsKey(stored) ? stored
                    : weights.ContainsKey(Scoring.Models.WeightLayout.Gpt2Prefix + stored) ? Scoring.Models.WeightLayout.Gpt2Prefix + stored
                    : null;
                if (key is null)
                {
                    items.Add(new(stored, entry.DType, entry.Shape, file.RawBytes(entry).ToArray()));
                    continue;
                }

                var t = weights[key];
                if (!t.shape.AsSpan().SequenceEqual(entry.Shape))
                {
                    throw new TrainingException($"trained tensor '{key}' has shape [{string.Join(", ", t.shape)}], the base stores [{string.Join(", ", entry.Shape)}]");
                }

                used.Add(key);
                float[] values;
                using (var scope = NewDisposeScope())
                {
                    values = t.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
                }

                items.Add(new(stored, entry.DType, entry.Shape, HalfBits.Encode(values, entry.DType)));
            }
        }

        var unknown = weights.Keys.Where(k => !used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new TrainingException($"trained tensor(s) not in the base checkpoint: {string.Join(", ", unknown.Take(5))}");
        }

        SafetensorsWriter.Write(path, items);
    }
}
