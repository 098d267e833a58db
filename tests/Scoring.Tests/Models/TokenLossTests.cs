using TokenClean.Scoring.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Tests.Models;

[Collection("libtorch")]
public sealed class TokenLossTests
{
    [Theory]
    [InlineData(1.0)]
    [InlineData(80.0)] // exp(80) overflows float32: only a max-shifted sum stays finite
    public void InPlace_EqualsCrossEntropy_AtEveryRow(double scale)
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        var logits = randn(37, 1000, generator: gen).mul_(scale);
        var targets = randint(0, 1000, [37], dtype: ScalarType.Int64, generator: gen);
        targets[0] = 0;
        targets[36] = 999;
        var expected = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.None).data<float>().ToArray();

        var actual = TokenLoss.InPlace(logits.clone(), targets).data<float>().ToArray();

        Assert.Equal(37, actual.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"row {i}: {actual[i]}");
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"row {i}: {actual[i]} vs cross_entropy {expected[i]}");
        }
    }

    [Fact]
    public void InPlace_OverwritesTheLogitsItWasGiven()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, 2, 3, 4 }, [1, 4]);

        var loss = TokenLoss.InPlace(logits, tensor(new long[] { 2 }));

        var expected = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3) + Math.Exp(4)) - 3;
        Assert.Equal(expected, loss.item<float>(), 5);
        Assert.Equal(1f, logits[0, 3].item<float>()); // exp(4 - max) — the buffer is scratch, as documented
    }

    [Fact]
    public void AddmmInPlace_WithBetaZero_IgnoresWhatTheBufferHeld()
    {
        // CausalLm.RunBatch reuses one uninitialised logits buffer for every LM-head chunk and relies on this.
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var x = randn(5, 8, generator: gen);
        var w = randn(11, 8, generator: gen);
        var buffer = full(5, 11, float.NaN);

        buffer.addmm_(x, w.t(), 0, 1);

        Assert.True(buffer.isfinite().all().item<bool>());
        Assert.True(buffer.allclose(x.mm(w.t()), rtol: 1e-6, atol: 1e-6));
    }
}
