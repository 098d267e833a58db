using TokenClean.Scoring.Checkpoints;

namespace TokenClean.Scoring.Models;

/// <summary>
/// The weights of one model in the compute dtype on the compute device, checked against the architecture's
/// <see cref="WeightLayout"/>. Owns its tensors (outside any scope) until disposed.
/// </summary>
internal sealed class ModelWeights : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    public Tensor this[string name] => _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"weight '{name}' was not loaded");

    public Tensor? Optional(string name) => _tensors.GetValueOrDefault(name);

    /// <summary>Loads every tensor the architecture needs; transposes GPT-2's Conv1D weights to [out, in].</summary>
    public static ModelWeights Load(string directory, ModelConfig config, DType dtype, string device)
    {
        var weights = new ModelWeights();
        try
        {
            using var files = CheckpointFiles.Open(directory);
            var stripGpt2Prefix = config.Architecture == Architecture.Gpt2
                && !files.Tensors.ContainsKey(WeightLayout.Gpt2Prefix + "wte.weight")
                && files.Tensors.ContainsKey("wte.weight");
            foreach (var spec in WeightLayout.Expected(config))
            {
                var stored = stripGpt2Prefix && spec.Name.StartsWith(WeightLayout.Gpt2Prefix, StringComparison.Ordinal)
                    ? spec.Name[WeightLayout.Gpt2Prefix.Length..]
                    : spec.Name;
                if (!files.Tensors.TryGetValue(stored, out var file))
                {
                    throw new CheckpointException($"{directory}: tensor '{stored}' is missing (needed by {config.Architecture})");
                }

                var entry = file.Entries[stored];
                if (entry.DType is not (DType.Float32 or DType.BFloat16 or DType.Float16))
                {
                    throw new CheckpointException($"{file.Path}: tensor '{stored}' has dtype {entry.DType}; weights must be F32, BF16 or F16");
                }

                if (!entry.Shape.AsSpan().SequenceEqual(spec.Shape))
                {
                    throw new CheckpointException($"{file.Path}: tensor '{stored}' has shape [{string.Join(", ", entry.Shape)}], {config.Architecture} with this config.json needs [{string.Join(", ", spec.Shape)}]");
                }

                var t = file.Load(stored, dtype, device).DetachFromScope();
                if (config.Architecture == Architecture.Gpt2 && spec.Shape.Length == 2 && spec.Name.Contains(".h.", StringComparison.Ordinal))
                {
                    Tensor transposed;
                    using (var view = t.Transpose(0, 1))
                    {
                        transposed = view.Contiguous().DetachFromScope();
                    }

                    t.Dispose();
                    t = transposed;
                }

                weights._tensors.Add(spec.Name, t);
            }

            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Replaces <paramref name="parts"/> (same column count) by their concatenation along dim 0 under
    /// <paramref name="fused"/>: one GEMM instead of several over the same input. Biases follow when present.
    /// </summary>
    public void Fuse(string fused, params string[] parts)
    {
        Concat(fused + ".weight", parts, ".weight");
        if (_tensors.ContainsKey(parts[0] + ".bias"))
        {
            Concat(fused + ".bias", parts, ".bias");
        }
    }

    private void Concat(string name, string[] parts, string suffix)
    {
        var tensors = new Tensor[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            tensors[i] = this[parts[i] + suffix];
        }

        using (var scope = TensorScope.Begin())
        {
            _tensors.Add(name, Tensor.Cat(tensors, 0).DetachFromScope());
        }

        for (var i = 0; i < parts.Length; i++)
        {
            _tensors.Remove(parts[i] + suffix);
            tensors[i].Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values)
        {
            t.Dispose();
        }

        _tensors.Clear();
    }
}
