using static TorchSharp.torch;

namespace TokenClean.Scoring.Tests.Kernels;

/// <summary>The check of a bf16 result against an exact (float64) one rounded to bf16 once, as bf16 units give it.</summary>
internal static class Bf16Assert
{
    /// <summary>
    /// Every value of <paramref name="actual"/> (bf16 values, any dtype) is within one bf16 ulp (plus
    /// <paramref name="absoluteSlack"/>, for results whose own fp32 error exceeds the ulp of values near zero) of
    /// <paramref name="exact"/> rounded to bf16, and at least <paramref name="minIdentical"/> of them equal it (sums
    /// taken in another order may round the other way at a tie).
    /// </summary>
    public static void WithinOneUlpOfRounded(Tensor actual, Tensor exact, double minIdentical, double absoluteSlack = 0)
    {
        using var scope = NewDisposeScope();
        var a = actual.to(ScalarType.Float64);
        var e = exact.to(ScalarType.BFloat16).to(ScalarType.Float64);
        var ulp = pow(2.0, e.abs().clamp_min(1e-30).log2().floor().sub(7));
        var excess = (a - e).abs().sub(ulp).sub(absoluteSlack).max().item<double>();
        Assert.True(excess <= 1e-12, $"a value is {excess:E2} beyond one bf16 ulp (+{absoluteSlack:E0}) from the rounded exact result");
        var identical = a.eq(e).to(ScalarType.Float64).mean().item<double>();
        Assert.True(identical >= minIdentical, $"only {identical:P1} of the values equal the rounded exact result");
    }
}
