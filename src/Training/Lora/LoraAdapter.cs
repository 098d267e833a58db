using TokenClean.Scoring.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TokenClean.Training.Lora;

/// <summary>
/// One low-rank adapter on a projection y = x Wᵀ: y + (α/r)·dropout(x) Aᵀ Bᵀ, with A [r, in] drawn from
/// kaiming-uniform(a = √5) — U(−1/√in, 1/√in), as PEFT initialises it — from a seeded generator, and B [out, r] zero,
/// so training starts exactly at the base model.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    private readonly Func<bool> _training;

    internal LoraAdapter(string module, long inFeatures, long outFeatures, bool storedTransposed, TrainingOptions options, Device device, Func<bool> training)
    {
        Module = module;
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        StoredTransposed = storedTransposed;
        Rank = options.LoraRank;
        Scale = options.LoraAlpha / options.LoraRank;
        Dropout = options.LoraDropout;
        _training = training;
        var dtype = options.DType == Scoring.DType.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var bound = 1.0 / Math.Sqrt(inFeatures);
        var values = new float[Rank * inFeatures];
        var rng = new SeededRandom(options.Seed, SeededRandom.StreamOf(module + ".lora_A"));
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((2 * rng.NextDouble()) - 1) * bound);
        }

        using (var a = tensor(values, [Rank, inFeatures]))
        {
            A = new Parameter(a.to(dtype, device), requires_grad: true);
        }

        B = new Parameter(zeros([outFeatures, Rank], dtype, device), requires_grad: true);
    }

    /// <summary>The HF name of the adapted module (e.g. model.layers.0.self_attn.q_proj).</summary>
    public string Module { get; }

    public long InFeatures { get; }

    public long OutFeatures { get; }

    /// <summary>True for GPT-2's Conv1D, whose weight is stored [in, out].</summary>
    public bool StoredTransposed { get; }

    public int Rank { get; }

    /// <summary>α / r.</summary>
    public double Scale { get; }

    public double Dropout { get; }

    /// <summary>A [r, in]; PEFT's name: <c>{module}.lora_A.weight</c>.</summary>
    public Parameter A { get; }

    /// <summary>B [out, r]; PEFT's name: <c>{module}.lora_B.weight</c>.</summary>
    public Parameter B { get; }

    /// <summary>The adapter's term for input rows <paramref name="x"/> [n, in]: (α/r)·dropout(x) Aᵀ Bᵀ.</summary>
    public Tensor Delta(Tensor x)
    {
        var h = Dropout > 0 && _training() ? nn.functional.dropout(x, Dropout, training: true) : x;
        return Bf16Products.Linear(Bf16Products.Linear(h, A), B).mul_(Scale);
    }

    /// <summary>(α/r)·B·A in float32 [out, in], transposed to [in, out] for a Conv1D weight: what merging adds to W.</summary>
    public Tensor WeightDelta()
    {
        using var noGrad = no_grad();
        var d = matmul(B.to(ScalarType.Float32), A.to(ScalarType.Float32)).mul_(Scale);
        return StoredTransposed ? d.t().contiguous() : d;
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
