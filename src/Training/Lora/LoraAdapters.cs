using TokenClean.Scoring.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TokenClean.Training.Lora;

/// <summary>
/// The adapters attached to one model: found by HF module-name suffix, hooked in through the layers' additive
/// <c>Delta</c> seam (the model's parameter names are untouched), detached or merged into the weights at the end.
/// </summary>
public sealed class LoraAdapters : IDisposable
{
    private readonly List<(LoraAdapter Adapter, nn.Module Layer)> _attached = [];

    private LoraAdapters()
    {
    }

    /// <summary>True while a training step runs: the adapters' dropout is active only then.</summary>
    public bool Training { get; set; }

    /// <summary>The adapters, in module order.</summary>
    public IReadOnlyList<LoraAdapter> Adapters => _attached.Select(a => a.Adapter).ToList();

    /// <summary>
    /// Attaches an adapter to every Linear / Conv1D module of <paramref name="model"/> whose last name component is
    /// one of <see cref="TrainingOptions.LoraTargets"/>. Throws <see cref="TrainingException"/> when a target matches
    /// nothing (the message lists the names that exist) or the rank exceeds a matched projection's dimensions.
    /// </summary>
    public static LoraAdapters Attach(CausalLm model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var result = new LoraAdapters();
        var device = model.Module.parameters().First().device;
        var matched = new HashSet<string>(StringComparer.Ordinal);
        var available = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, module) in model.Module.named_modules())
            {
                var last = name[(name.LastIndexOf('.') + 1)..];
                if (module is LinearLayer or Conv1DLayer)
                {
                    available.Add(last);
                }

                if (!options.LoraTargets.Contains(last))
                {
                    continue;
                }

                LoraAdapter adapter;
                switch (module)
                {
                    case LinearLayer linear when name != "lm_head":
                        adapter = Create(name, linear.Weight.shape[1], linear.Weight.shape[0], false);
                        linear.Delta = adapter.Delta;
                        break;
                    case Conv1DLayer conv:
                        adapter = Create(name, conv.Weight.shape[0], conv.Weight.shape[1], true);
                        conv.Delta = adapter.Delta;
                        break;
                    default:
                        continue;
                }

                matched.Add(last);
                result._attached.Add((adapter, module));
            }
        }
        catch
        {
            result.Dispose();
            throw;
        }

        var missing = options.LoraTargets.Where(t => !matched.Contains(t)).ToList();
        if (missing.Count > 0)
        {
            result.Dispose();
            throw new TrainingException($"LoRA target(s) {string.Join(", ", missing)} match no projection of this {model.Config.Architecture} model; its projections are: {string.Join(", ", available)}");
        }

        return result;

        LoraAdapter Create(string name, long inFeatures, long outFeatures, bool transposed)
        {
            if (options.LoraRank > Math.Min(inFeatures, outFeatures))
            {
                throw new TrainingException($"LoRA rank {options.LoraRank} exceeds the dimensions of {name} [{outFeatures}, {inFeatures}]");
            }

            return new LoraAdapter(name, inFeatures, outFeatures, transposed, options, device, () => result.Training);
        }
    }

    /// <summary>Every adapter parameter with its PEFT-style name ({module}.lora_A.weight, {module}.lora_B.weight).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        foreach (var (a, _) in _attached)
        {
            yield return (a.Module + ".lora_A.weight", a.A);
            yield return (a.Module + ".lora_B.weight", a.B);
        }
    }

    /// <summary>
    /// For each adapted weight (HF name), W + (α/r)·B·A in float32, W given by <paramref name="baseWeight"/> (which
    /// returns a tensor the caller owns). The returned tensors belong to the caller.
    /// </summary>
    public Dictionary<string, Tensor> MergedWeights(Func<string, Tensor> baseWeight)
    {
        ArgumentNullException.ThrowIfNull(baseWeight);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = no_grad();
        foreach (var (a, _) in _attached)
        {
            var name = a.Module + ".weight";
            using var scope = NewDisposeScope();
            var w = baseWeight(name);
            result[name] = w.to(ScalarType.Float32).add(a.WeightDelta().to(w.device)).DetachFromDisposeScope();
        }

        return result;
    }

    /// <summary>
    /// Adds each adapter's (α/r)·B·A into the in-memory weight it adapts (computed in float32, rounded to the weight's
    /// dtype) and detaches the adapters: the model then computes what the adapted model computed.
    /// </summary>
    public void MergeIntoModel()
    {
        using var noGrad = no_grad();
        foreach (var (a, layer) in _attached)
        {
            using var scope = NewDisposeScope();
            var w = layer is LinearLayer l ? l.Weight : ((Conv1DLayer)layer).Weight;
            var merged = w.to(ScalarType.Float32).add(a.WeightDelta().to(w.device));
            w.copy_(merged);
        }

        Detach();
    }

    /// <summary>Removes the adapters from the layers (the model is the base model again unless merged).</summary>
    public void Detach()
    {
        foreach (var (_, layer) in _attached)
        {
            switch (layer)
            {
                case LinearLayer l:
                    l.Delta = null;
                    break;
                case Conv1DLayer c:
                    c.Delta = null;
                    break;
            }
        }
    }

    public void Dispose()
    {
        Detach();
        foreach (var (a, _) in _attached)
        {
            a.Dispose();
        }

        _attached.Clear();
    }
}
