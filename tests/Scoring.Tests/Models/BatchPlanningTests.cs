using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Models;

[Collection("libtorch")]
public sealed class BatchPlanningTests
{
    [Fact]
    public void PrefersPacking_OfVeryUnequalLengths_IsTrue()
    {
        using var model = CausalLm.Load(TinyModels.Dir("llama"));
        Assert.True(model.PrefersPacking([500, 12, 9, 30, 7]));
    }

    [Fact]
    public void PrefersPacking_OfEqualLengths_IsFalseBecausePaddingCostsNothingThen()
    {
        using var model = CausalLm.Load(TinyModels.Dir("llama"));
        Assert.False(model.PrefersPacking([100, 100, 100, 100]));
    }
}
