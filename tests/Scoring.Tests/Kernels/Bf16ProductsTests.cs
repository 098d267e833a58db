using TokenClean.Scoring.Kernels;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Tests.Kernels;

/// <summary>
/// bf16 products through fp32 (CPUs without bf16 units) against the product of the same bf16 values in float64,
/// rounded to bf16 once (what bf16 units give), and against libtorch's own bf16 product, values and gradients.
/// </summary>
[Collection("libtorch")]
public sealed class Bf16ProductsTests
{
    [Bf16ProductsFact]
    public void Linear_EqualsTheFloat64ProductRoundedOnce_AndLibtorchsBf16Product()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(5);
        var x = randn(37, 300, generator: gen).to(ScalarType.BFloat16);
        var w = randn(50, 300, generator: gen).div_(10).to(ScalarType.BFloat16);
        var b = randn(50, generator: gen).to(ScalarType.BFloat16);

        var actual = Bf16Products.Linear(x, w, b);

        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        Assert.Equal([37L, 50L], actual.shape);
        var expected = nn.functional.linear(x.to(ScalarType.Float64), w.to(ScalarType.Float64), b.to(ScalarType.Float64));
        Bf16Assert.WithinOneUlpOfRounded(actual, expected, minIdentical: 0.99);
        Bf16Assert.WithinOneUlpOfRounded(actual, nn.functional.linear(x, w, b).to(ScalarType.Float64), minIdentical: 0.9); // libtorch's fallback
    }

    [Bf16ProductsFact]
    public void Addmm_EqualsTheFloat64ProductRoundedOnce()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(6);
        var x = randn(21, 64, generator: gen).to(ScalarType.BFloat16);
        var w = randn(64, 96, generator: gen).div_(8).to(ScalarType.BFloat16); // Conv1D: [in, out]
        var b = randn(96, generator: gen).to(ScalarType.BFloat16);

        var actual = Bf16Products.Addmm(b, x, w);

        Assert.Equal(ScalarType.BFloat16, actual.dtype);
        Bf16Assert.WithinOneUlpOfRounded(actual, addmm(b.to(ScalarType.Float64), x.to(ScalarType.Float64), w.to(ScalarType.Float64), 1, 1), minIdentical: 0.99);
    }

    [Bf16ProductsFact]
    public void HeadLogits_AcrossVocabularyBlocks_EqualsOneProductRoundedToBf16_InTheFp32Buffer()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        var hidden = randn(9, 48, generator: gen).to(ScalarType.BFloat16);
        var head = randn(1000, 48, generator: gen).div_(7).to(ScalarType.BFloat16);
        var logits = full(9, 1000, float.NaN); // whatever the buffer held is ignored

        Bf16Products.HeadLogits(logits, hidden, head, blockBytes: 300 * 4 * 48); // blocks of 300, 300, 300, 100

        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.True(logits.to(ScalarType.BFloat16).to(ScalarType.Float32).eq(logits).all().item<bool>(), "the logits are not rounded to bf16");
        Bf16Assert.WithinOneUlpOfRounded(logits, nn.functional.linear(hidden.to(ScalarType.Float64), head.to(ScalarType.Float64)), minIdentical: 0.99);
    }

    [Bf16ProductsFact]
    public void Linear_GivesLibtorchsBf16Gradients()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(8);
        var x0 = randn(16, 40, generator: gen).to(ScalarType.BFloat16);
        var w0 = randn(24, 40, generator: gen).div_(6).to(ScalarType.BFloat16);
        var upstream = randn(16, 24, generator: gen).to(ScalarType.BFloat16);
        (Tensor X, Tensor W) Grads(Func<Tensor, Tensor, Tensor> linear)
        {
            var x = x0.clone().requires_grad_(true);
            var w = w0.clone().requires_grad_(true);
            linear(x, w).backward([upstream]);
            return (x.grad!, w.grad!);
        }

        var ours = Grads((x, w) => Bf16Products.Linear(x, w));
        var libtorch = Grads((x, w) => nn.functional.linear(x, w));

        Assert.Equal(ScalarType.BFloat16, ours.W.dtype);
        Bf16Assert.WithinOneUlpOfRounded(ours.X, libtorch.X.to(ScalarType.Float64), minIdentical: 0.9);
        Bf16Assert.WithinOneUlpOfRounded(ours.W, libtorch.W.to(ScalarType.Float64), minIdentical: 0.9);
    }

    [Fact]
    public void Linear_LeavesFp32ToLibtorch()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(9);
        var x = randn(5, 12, generator: gen);
        var w = randn(7, 12, generator: gen);

        Assert.False(Bf16Products.Applies(x));
        Assert.True(Bf16Products.Linear(x, w).eq(nn.functional.linear(x, w)).all().item<bool>());
    }
}
