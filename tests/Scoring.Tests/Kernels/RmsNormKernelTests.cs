using TokenClean.Scoring.Kernels;
using TokenClean.Scoring.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Tests.Kernels;

/// <summary>The fp32 CPU RMSNorm kernel against x · 1/√(mean(x²) + ε) · w in float64, and the layer's dispatch.</summary>
[Collection("libtorch")]
public sealed class RmsNormKernelTests
{
    [KernelTheory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]       // shorter than one vector
    [InlineData(65, 17)]     // a 16-wide step plus a tail; rows across two items of 64
    [InlineData(130, 512)]   // the bench model's width, three items
    [InlineData(40, 1003)]
    public void Normalize_EqualsTheFormulaInFloat64(long rows, long width)
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(11);
        var x = randn(rows, width, generator: gen).mul_(3);
        var w = rand(width, generator: gen).add_(0.5);
        var expected = Formula(x, w, 1e-5);
        var actual = RmsNormKernel.Normalize(x, w, 1e-5);
        Assert.Equal(x.shape, actual.shape);
        Assert.True(actual.to(ScalarType.Float64).allclose(expected, rtol: 1e-6, atol: 1e-6), $"max |Δ| {(actual.to(ScalarType.Float64) - expected).abs().max().item<double>():E2}");
    }

    [KernelFact]
    public void Normalize_PerHead_OfAThreeDimensionalInput()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var q = randn(9, 4, 32, generator: gen);
        var w = rand(32, generator: gen);
        var expected = Formula(q.reshape(36, 32), w, 1e-6).reshape(9, 4, 32);
        Assert.True(RmsNormKernel.Normalize(q, w, 1e-6).to(ScalarType.Float64).allclose(expected, rtol: 1e-6, atol: 1e-6));
    }

    [KernelFact]
    public void Layer_WithAndWithoutTheKernel_Agree()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(5);
        var x = randn(70, 96, generator: gen);
        using var layer = new RmsNormLayer("norm", new Parameter(rand(96, generator: gen), requires_grad: false), 1e-5);
        Assert.True(RmsNormKernel.Applies(x, layer.get_parameter("weight")!));
        var kernel = layer.forward(x);
        var input = x.clone().requires_grad_(true); // gradients wanted: the libtorch ops run
        Assert.False(RmsNormKernel.Applies(input, layer.get_parameter("weight")!));
        var ops = layer.forward(input);
        Assert.True(ops.requires_grad);
        Assert.True(kernel.allclose(ops.detach(), rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Applies_OnlyToDenseFloat32WithoutGradients_AndAMatchingWeight()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = randn(4, 8);
        var w = ones(8);
        Assert.Equal(CpuKernels.Enabled, RmsNormKernel.Applies(x, w));
        Assert.False(RmsNormKernel.Applies(x.t(), ones(4)));                    // not dense
        Assert.False(RmsNormKernel.Applies(x.to(ScalarType.Float64), w.to(ScalarType.Float64)));
        Assert.False(RmsNormKernel.Applies(x, ones(7)));
        var trained = ones(8).requires_grad_(true);
        Assert.False(RmsNormKernel.Applies(x, trained));
        using (no_grad())
        {
            Assert.Equal(CpuKernels.Enabled, RmsNormKernel.Applies(x, trained)); // nothing recorded: scoring a model in training
        }
    }

    private static Tensor Formula(Tensor x, Tensor w, double eps)
    {
        var d = x.to(ScalarType.Float64);
        return d * d.square().mean([-1], keepdim: true).add(eps).rsqrt() * w.to(ScalarType.Float64);
    }
}
