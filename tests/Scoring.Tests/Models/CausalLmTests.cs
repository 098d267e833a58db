using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Models;

[Collection("libtorch")]
public sealed class CausalLmTests
{
    [Theory]
    [MemberData(nameof(TinyModels.Variants), MemberType = typeof(TinyModels))]
    public void TokenLosses_OfARandomModel_AreFiniteNearLogVocabWithNaNAtPositionZero(string variant)
    {
        using var model = CausalLm.Load(TinyModels.Dir(variant));
        var losses = model.TokenLosses([TinyModels.Tokens(40, 1)]);

        Assert.True(float.IsNaN(losses[0][0]));
        for (var j = 1; j < 40; j++)
        {
            // A random model with small weights predicts nearly uniformly: loss ≈ ln(256) ≈ 5.545.
            Assert.InRange(losses[0][j], 4.5f, 6.5f);
        }
    }
}
