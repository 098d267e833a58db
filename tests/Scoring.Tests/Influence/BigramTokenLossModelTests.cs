using TokenClean.Tests.Shared;

namespace TokenClean.Scoring.Tests.Influence;

/// <summary>The test language model must itself be honest: proper distributions, losses = −ln p.</summary>
public sealed class BigramTokenLossModelTests
{
    [Fact]
    public void Probability_EveryRow_SumsToOne()
    {
        using var model = new BigramTokenLossModel("m", 5, [[0, 1, 2, 3, 4, 0, 0], [4, 3, 2]], alpha: 0.5);
        for (var a = 0; a < 5; a++)
        {
            var sum = 0.0;
            for (var b = 0; b < 5; b++)
            {
                sum += model.Probability(a, b);
            }

            Assert.Equal(1.0, sum, 12);
        }
    }

    [Fact]
    public void TokenLosses_WithAMask_AreMinusLogProbabilityWhereMaskedInAndNaNElsewhere()
    {
        using var model = new BigramTokenLossModel("m", 3, [[0, 1, 2]]);

        var losses = model.TokenLosses([[0, 1, 2]], [[true, false, true]])[0];

        // p(2 | 1) = (1 + 1) / (1 + 3) = 1/2.
        Assert.True(float.IsNaN(losses[0]) && float.IsNaN(losses[1]));
        Assert.Equal(Math.Log(2), losses[2], 6);
    }
}
