using TokenClean.Scoring.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Models;

/// <summary>
/// y = x Wᵀ + b with W [out, in] as stored by HF. The seam for adapters: a LoRA layer derives from it (or wraps it)
/// and overrides <see cref="forward"/>, keeping the frozen <see cref="Weight"/> and the parameter names.
/// </summary>
public class LinearLayer : nn.Module<Tensor, Tensor>
{
    public LinearLayer(string name, Parameter weight, Parameter? bias)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(weight);
        Weight = weight;
        Bias = bias;
        register_parameter("weight", weight);
        if (bias is not null)
        {
            register_parameter("bias", bias);
        }
    }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    /// <summary>
    /// An additive term on the output, y = x Wᵀ + b + Delta(x): how a trainer attaches a LoRA adapter without
    /// replacing the layer or renaming its parameters. Null (the default) is the plain projection.
    /// </summary>
    public Func<Tensor, Tensor>? Delta { get; set; }

    public override Tensor forward(Tensor input)
    {
        var y = Bf16Products.Linear(input, Weight, Bias);
        return Delta is null ? y : y + Delta(input);
    }
}

/// <summary>GPT-2's Conv1D: y = x W + b with W stored [in, out].</summary>
public sealed class Conv1DLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight;
    private readonly Parameter _bias;

    public Conv1DLayer(string name, Parameter weight, Parameter bias)
        : base(name)
    {
        _weight = weight;
        _bias = bias;
        register_parameter("weight", weight);
        register_parameter("bias", bias);
    }

    /// <summary>The stored weight [in, out].</summary>
    public Parameter Weight => _weight;

    /// <summary>An additive term on the output (see <see cref="LinearLayer.Delta"/>).</summary>
    public Func<Tensor, Tensor>? Delta { get; set; }

    public override Tensor forward(Tensor input)
    {
        var y = Bf16Products.Addmm(_bias, input, _weight);
        return Delta is null ? y : y + Delta(input);
    }
}

/// <summary>HF's RMSNorm: in float32, then the weight times the result cast back to the input dtype.</summary>
public sealed class RmsNormLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight;
    private readonly double _eps;

    public RmsNormLayer(string name, Parameter weight, double eps)
        : base(name)
    {
        _weight = weight;
        _eps = eps;
        register_parameter("weight", weight);
    }

    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (RmsNormKernel.Applies(input, _weight))
        {
            return RmsNormKernel.Normalize(input, _weight, _eps);
        }

        using var scope = NewDisposeScope();
        var h = input.to(ScalarType.Float32);
        var inverseRms = h.square().mean([-1], keepdim: true).add_(_eps).rsqrt_();
        // HF multiplies weight * normed (in that order); the product is the same either way round.
        return (h * inverseRms).to(input.dtype).mul_(_weight).MoveToOuterDisposeScope();
    }
}

/// <summary>LayerNorm over the last dimension with weight and bias.</summary>
public sealed class LayerNormLayer : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight;
    private readonly Parameter _bias;
    private readonly double _eps;

    public LayerNormLayer(string name, Parameter weight, Parameter bias, double eps)
        : base(name)
    {
        _weight = weight;
        _bias = bias;
        _eps = eps;
        register_parameter("weight", weight);
        register_parameter("bias", bias);
    }

    public override Tensor forward(Tensor input) => nn.functional.layer_norm(input, [_weight.shape[0]], _weight, _bias, _eps);
}

/// <summary>A lookup table [rows, dim] read by index (token embeddings, GPT-2's learned positions).</summary>
public sealed class EmbeddingLayer : nn.Module<Tensor, Tensor>
{
    public EmbeddingLayer(string name, Parameter weight)
        : base(name)
    {
        Weight = weight;
        register_parameter("weight", weight);
    }

    public Parameter Weight { get; }

    public override Tensor forward(Tensor input) => Weight.index_select(0, input);
}
