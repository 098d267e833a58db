using System.Runtime.Intrinsics;
using TokenClean.Scoring.Kernels;

namespace TokenClean.Scoring.Tests.Kernels;

public sealed class VectorExpTests
{
    [KernelFact]
    public void NonPositive_IsWithin2e7OfExp_AndNeverSubnormal()
    {
        double worst = 0;
        for (var x = -86.0f; x <= 0; x += 0.00037f)
        {
            var e = VectorExp.NonPositive(Vector256.Create(x))[0];
            worst = Math.Max(worst, Math.Abs(e - Math.Exp(x)) / Math.Exp(x));
        }

        Assert.True(worst <= 2e-7, $"max relative error {worst:E2}");
        Assert.Equal(1f, VectorExp.NonPositive(Vector256<float>.Zero)[0]);
        var floor = VectorExp.NonPositive(Vector256.Create(float.NegativeInfinity))[0];
        Assert.True(float.IsNormal(floor) && floor < 1e-37f, $"exp(-inf) = {floor}");
    }
}
