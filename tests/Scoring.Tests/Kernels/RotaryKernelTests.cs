using TokenClean.Scoring.Kernels;
using TokenClean.Scoring.Models;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Tests.Kernels;

/// <summary>The fp32 CPU rotary kernel against x·cos + rotate_half(x)·sin in float64, dense and strided.</summary>
[Collection("libtorch")]
public sealed class RotaryKernelTests
{
    [KernelTheory]
    [InlineData(1, 1, 2)]
    [InlineData(5, 3, 10)]    // half = 5: no full vector, the tail only
    [InlineData(65, 4, 24)]   // half = 12: one vector and a tail; rows across two items
    [InlineData(130, 8, 64)]
    [InlineData(20, 2, 128)]
    public void Rotate_EqualsRotateHalfInFloat64(long rows, long heads, long d)
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var (x, cos, sin) = Inputs(rows, heads, d, 13);
        var actual = RotaryKernel.Rotate(x, cos, sin);
        Assert.Equal(x.shape, actual.shape);
        Assert.True(actual.to(ScalarType.Float64).allclose(Expected(x, cos, sin), rtol: 1e-6, atol: 1e-6));
    }

    [KernelFact]
    public void Rotate_OfViewsIntoOneProjection_EqualsRotateOfDenseCopies()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(17);
        var qkv = randn(33, 3 * 4 * 16, generator: gen);
        var q = qkv.narrow(1, 0, 64).view(33, 4, 16);
        var k = qkv.narrow(1, 64, 64).view(33, 4, 16);
        var (_, cos, sin) = Inputs(33, 4, 16, 19);
        Assert.True(RotaryKernel.Applies(k, cos, sin));
        Assert.True(RotaryKernel.Rotate(q, cos, sin).allclose(RotaryKernel.Rotate(q.contiguous(), cos, sin), rtol: 0, atol: 0));
        Assert.True(RotaryKernel.Rotate(k, cos, sin).allclose(RotaryKernel.Rotate(k.contiguous(), cos, sin), rtol: 0, atol: 0));
    }

    [KernelFact]
    public void RotaryTable_WithAndWithoutTheKernel_Agree()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var (x, cos, sin) = Inputs(50, 4, 32, 23);
        var kernel = RotaryTable.Rotate(x, cos, sin);
        var ops = RotaryTable.Rotate(x.clone().requires_grad_(true), cos, sin); // gradients wanted: the libtorch ops run
        Assert.True(ops.requires_grad);
        Assert.True(kernel.allclose(ops.detach(), rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Applies_OnlyToMatchingTablesAndADenseHeadDimension()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var (x, cos, sin) = Inputs(6, 2, 8, 29);
        Assert.Equal(CpuKernels.Enabled, RotaryKernel.Applies(x, cos, sin));
        Assert.False(RotaryKernel.Applies(x, cos.narrow(0, 0, 5), sin.narrow(0, 0, 5)));   // other row count
        Assert.False(RotaryKernel.Applies(x.transpose(1, 2), cos, sin));                  // strided head dimension
        Assert.False(RotaryKernel.Applies(x.narrow(2, 0, 7), cos.narrow(2, 0, 7), sin.narrow(2, 0, 7))); // odd
        Assert.False(RotaryKernel.Applies(x.requires_grad_(true), cos, sin));
    }

    private static (Tensor X, Tensor Cos, Tensor Sin) Inputs(long rows, long heads, long d, long seed)
    {
        var gen = new Generator((ulong)seed);
        var angle = rand(rows, 1, d / 2, generator: gen).mul_(6);
        var both = cat([angle, angle], 2); // HF's layout: the frequencies repeated twice
        return (randn(rows, heads, d, generator: gen), both.cos(), both.sin());
    }

    private static Tensor Expected(Tensor x, Tensor cos, Tensor sin)
    {
        var d = x.to(ScalarType.Float64);
        var half = x.shape[2] / 2;
        var rotated = cat([d.narrow(2, half, half).neg(), d.narrow(2, 0, half)], 2);
        return (d * cos.to(ScalarType.Float64)) + (rotated * sin.to(ScalarType.Float64));
    }
}
