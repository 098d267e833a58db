using TokenClean.Scoring.Checkpoints;
using TorchSharp.Modules;

namespace TokenClean.Scoring.Models;

/// <summary>
/// The tensors of one checkpoint checked against the architecture's <see cref="WeightLayout"/> (every tensor present,
/// a float dtype, the right shape) before anything is loaded, then handed out one by one as frozen parameters in the
/// compute dtype on the compute device.
/// </summary>
internal sealed class CheckpointWeights
{
    private readonly Dictionary<string, (SafetensorsFile File, string Stored)> _where = new(StringComparer.Ordinal);
    private readonly List<Parameter> _taken = [];
    private readonly DType _dtype;
    private readonly string _device;

    public CheckpointWeights(string directory, ModelConfig config, CheckpointFiles files, DType dtype, string device)
    {
        _dtype = dtype;
        _device = device;
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

            _where.Add(spec.Name, (file, stored));
        }
    }

    /// <summary>Tensor <paramref name="name"/> (HF naming) as a frozen parameter.</summary>
    public Parameter Take(string name)
    {
        if (!_where.TryGetValue(name, out var at))
        {
            throw new KeyNotFoundException($"weight '{name}' is not part of this architecture's layout");
        }

        var t = at.File.Load(at.Stored, _dtype, _device);
        var p = new Parameter(t, requires_grad: false);
        _taken.Add(p);
        return p;
    }

    /// <summary>Frees what was taken when building the module failed half-way.</summary>
    public void DisposeTaken()
    {
        foreach (var p in _taken)
        {
            p.Dispose();
        }

        _taken.Clear();
    }
}
