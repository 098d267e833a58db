using TokenClean.Scoring.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace TokenClean.Scoring.Tests.Models;

[Collection("libtorch")]
public sealed class TokenLossTests
{
    public static TheoryData<string, double> Forms => new()
    {
        { "dispatch", 1.0 },
        { "dispatch", 80.0 }, // exp(80) overflows float32: only a max-shifted sum stays finite
        { "torch ops", 1.0 },
        { "torch ops", 80.0 },
        { "row by row", 1.0 },
        { "row by row", 80.0 },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void EveryForm_EqualsCrossEntropy_AtEveryRow(string form, double scale)
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        // 1,003 columns: the row-by-row form's 32-wide steps leave an 11-column tail.
        var logits = randn(37, 1003, generator: gen).mul_(scale);
        var targets = randint(0, 1003, [37], dtype: ScalarType.Int64, generator: gen);
        targets[0] = 0;
        targets[36] = 1002;
        var expected = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.None).data<float>().ToArray();

        var buffer = logits.clone();
        var loss = form switch
        {
            "dispatch" => TokenLoss.InPlace(buffer, targets),
            "torch ops" => TokenLoss.WithTorchOps(buffer, targets),
            _ => TokenLoss.RowByRow(buffer, targets),
        };
        var actual = loss.data<float>().ToArray();

        Assert.Equal(37, actual.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.True(float.IsFinite(actual[i]), $"row {i}: {actual[i]}");
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{form} row {i}: {actual[i]} vs cross_entropy {expected[i]}");
        }
    }

    [Fact]
    public void WithTorchOps_OverwritesTheLogits_RowByRow_OnlyReadsThem()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var expected = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3) + Math.Exp(4)) - 3;
        var a = tensor(new float[] { 1, 2, 3, 4 }, [1, 4]);
        var b = a.clone();

        Assert.Equal(expected, TokenLoss.WithTorchOps(a, tensor(new long[] { 2 })).item<float>(), 5);
        Assert.Equal(expected, TokenLoss.RowByRow(b, tensor(new long[] { 2 })).item<float>(), 5);

        Assert.Equal(1f, a[0, 3].item<float>()); // exp(4 - max) — the buffer is scratch, as documented
        Assert.Equal(4f, b[0, 3].item<float>());
    }

    [Fact]
    public void RowByRow_ReadsStridedRows_AndRejectsATargetOutsideTheVocabulary()
    {
        Torch.EnsureLoaded();
        using var scope = NewDisposeScope();
        var wide = randn(5, 80, generator: new Generator(2));
        var rows = wide.narrow(1, 0, 70); // row stride 80, 70 columns
        var targets = tensor(new long[] { 0, 69, 3, 4, 5 });

        var expected = nn.functional.cross_entropy(rows.contiguous(), targets, reduction: nn.Reduction.None);
        Assert.True(TokenLoss.RowByRow(rows, targets).allclose(expected, rtol: 1e-5, atol: 1e-5));
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenLoss.RowByRow(rows, tensor(new long[] { 0, 70, 3, 4, 5 })));
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
