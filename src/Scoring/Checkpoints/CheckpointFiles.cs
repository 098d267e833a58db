using System.Text.Json;

namespace TokenClean.Scoring.Checkpoints;

/// <summary>
/// The weights of an HF model directory: <c>model.safetensors</c>, or shards listed by
/// <c>model.safetensors.index.json</c>. Resolves each tensor name to the file that holds it.
/// </summary>
public sealed class CheckpointFiles : IDisposable
{
    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _byName;

    private CheckpointFiles(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byName)
    {
        _files = files;
        _byName = byName;
    }

    /// <summary>Every tensor name with the file holding it.</summary>
    public IReadOnlyDictionary<string, SafetensorsFile> Tensors => _byName;

    /// <summary>Opens the single or sharded weights of <paramref name="directory"/>.</summary>
    public static CheckpointFiles Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var single = Path.Combine(directory, "model.safetensors");
        var index = Path.Combine(directory, "model.safetensors.index.json");
        var files = new List<SafetensorsFile>();
        var byName = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            if (File.Exists(single))
            {
                var f = SafetensorsFile.Open(single);
                files.Add(f);
                foreach (var name in f.Entries.Keys)
                {
                    byName[name] = f;
                }
            }
            else if (File.Exists(index))
            {
                OpenShards(directory, index, files, byName);
            }
            else
            {
                throw new CheckpointException($"{directory}: no model.safetensors and no model.safetensors.index.json");
            }

            return new CheckpointFiles(files, byName);
        }
        catch
        {
            foreach (var f in files)
            {
                f.Dispose();
            }

            throw;
        }
    }

    /// <summary>Loads one tensor converted to <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public TorchSharp.torch.Tensor Load(string name, DType dtype, string device)
    {
        if (!_byName.TryGetValue(name, out var f))
        {
            throw new CheckpointException($"checkpoint is missing tensor '{name}'");
        }

        return f.Load(name, dtype, device);
    }

    public void Dispose()
    {
        foreach (var f in _files)
        {
            f.Dispose();
        }
    }

    private static void OpenShards(string directory, string index, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byName)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"{index}: no weight_map object");
            }

            weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in map.EnumerateObject())
            {
                weightMap[p.Name] = p.Value.GetString() ?? throw new CheckpointException($"{index}: weight_map['{p.Name}'] is not a file name");
            }
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{index}: not valid JSON: {e.Message}", e);
        }

        var opened = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var (name, file) in weightMap)
        {
            if (file.Contains('/', StringComparison.Ordinal) || file.Contains('\\', StringComparison.Ordinal))
            {
                throw new CheckpointException($"{index}: shard name '{file}' must be a plain file name");
            }

            if (!opened.TryGetValue(file, out var shard))
            {
                var path = Path.Combine(directory, file);
                if (!File.Exists(path))
                {
                    throw new CheckpointException($"{index}: shard {file} (holding '{name}') does not exist");
                }

                shard = SafetensorsFile.Open(path);
                opened[file] = shard;
                files.Add(shard);
            }

            if (!shard.Entries.ContainsKey(name))
            {
                throw new CheckpointException($"{shard.Path}: tensor '{name}' is listed in the index but missing from the shard");
            }

            byName[name] = shard;
        }
    }
}
