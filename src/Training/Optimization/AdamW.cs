using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TokenClean.Training.Optimization;

/// <summary>
/// AdamW (decoupled weight decay) over named parameters, step for step the arithmetic of <c>torch.optim.AdamW</c>
/// (single-tensor path): p ← p(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// p ← p − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε). Moments and master weights are float32; a parameter stored in a
/// lower precision (bf16 training) is updated through its float32 master copy and then rounded back. Gradients are
/// clipped by their global 2-norm first, as <c>torch.nn.utils.clip_grad_norm_</c> does.
/// </summary>
/// <remarks>Not thread-safe: one training loop owns it. Owns its moments and master copies (disposed with it).</remarks>
public sealed class AdamW : IDisposable
{
    private readonly List<Slot> _slots = [];
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _weightDecay = weightDecay;
        using var noGrad = no_grad();
        foreach (var (name, p) in parameters)
        {
            var shares = p.dtype == ScalarType.Float32;
            var master = shares ? p : p.detach().to(ScalarType.Float32).clone();
            _slots.Add(new Slot(name, p, master, shares, zeros_like(master), zeros_like(master)));
        }
    }

    /// <summary>Optimizer steps taken (t in the bias corrections).</summary>
    public long Steps { get; private set; }

    /// <summary>The parameters' names, in order.</summary>
    public IEnumerable<string> Names => _slots.Select(s => s.Name);

    /// <summary>
    /// Clips the gradients (when <paramref name="maxGradNorm"/> &gt; 0) and applies one AdamW step with
    /// <paramref name="learningRate"/>. Returns the global gradient norm before clipping.
    /// </summary>
    public double Step(double learningRate, double maxGradNorm)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var grads = new Tensor?[_slots.Count];
        for (var i = 0; i < _slots.Count; i++)
        {
            var g = _slots[i].Parameter.grad;
            grads[i] = g is null ? null : g.to(ScalarType.Float32);
        }

        var present = grads.Where(g => g is not null).Select(g => g!).ToArray();
        var norm = present.Length == 0 ? 0.0 : stack(present.Select(g => linalg.vector_norm(g, 2)).ToArray()).norm().item<float>();
        if (maxGradNorm > 0)
        {
            var coef = Math.Min(1.0, maxGradNorm / (norm + 1e-6));
            foreach (var g in present)
            {
                g.mul_(coef);
            }
        }

        Steps++;
        var bc1 = 1 - Math.Pow(_beta1, Steps);
        var bc2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, Steps));
        for (var i = 0; i < _slots.Count; i++)
        {
            var g = grads[i];
            if (g is null)
            {
                continue; // torch.optim skips parameters without a gradient entirely
            }

            var s = _slots[i];
            if (_weightDecay != 0)
            {
                s.Master.mul_(1 - (learningRate * _weightDecay)); // with no decay a multiply by 1: a pass over the weights saved
            }

            s.M.mul_(_beta1).add_(g, alpha: 1 - _beta1);
            s.V.mul_(_beta2).addcmul_(g, g, value: 1 - _beta2);
            using var denom = s.V.sqrt().div_(bc2Sqrt).add_(_eps); // one temporary instead of two, freed at once
            s.Master.addcdiv_(s.M, denom, value: -learningRate / bc1);
            if (!s.SharesParameter)
            {
                s.Parameter.copy_(s.Master);
            }
        }

        return norm;
    }

    /// <summary>Zeroes every gradient (before the micro-batches of the next step).</summary>
    public void ZeroGrad()
    {
        foreach (var s in _slots)
        {
            s.Parameter.grad?.zero_();
        }
    }

    /// <summary>Float32 master weight, first and second moment of each parameter, by name (views, not copies).</summary>
    internal IEnumerable<(string Name, Tensor Master, Tensor M, Tensor V)> State() => _slots.Select(s => (s.Name, s.Master, s.M, s.V));

    /// <summary>Restores a saved state: values are copied into the masters, moments and parameters.</summary>
    internal void Restore(long steps, Func<string, string, Tensor> saved)
    {
        using var noGrad = no_grad();
        foreach (var s in _slots)
        {
            using var scope = NewDisposeScope();
            s.Master.copy_(saved("master", s.Name));
            s.M.copy_(saved("m", s.Name));
            s.V.copy_(saved("v", s.Name));
            if (!s.SharesParameter)
            {
                s.Parameter.copy_(s.Master);
            }
        }

        Steps = steps;
    }

    public void Dispose()
    {
        foreach (var s in _slots)
        {
            s.M.Dispose();
            s.V.Dispose();
            if (!s.SharesParameter)
            {
                s.Master.Dispose();
            }
        }

        _slots.Clear();
    }

    private sealed record Slot(string Name, Parameter Parameter, Tensor Master, bool SharesParameter, Tensor M, Tensor V);
}
