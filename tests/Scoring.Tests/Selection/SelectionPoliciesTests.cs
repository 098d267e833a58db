using TokenClean.Scoring.Selection;

namespace TokenClean.Scoring.Tests.Selection;

/// <summary>The one selection-policy factory that serve and clean share.</summary>
public sealed class SelectionPoliciesTests
{
    [Theory]
    [InlineData("global", 0, 0, "global")]
    [InlineData("window", 64, 0, "window(samples=64)")]
    [InlineData("window", 64, 4096, "window(samples=64,tokens=4096)")]
    [InlineData("per-sample", 64, 4096, "per-sample")]
    public void Create_EachMode_GivesThePolicyOfThatMode(string mode, int samples, long tokens, string expected)
    {
        var policy = SelectionPolicies.Create(mode, 0.6, samples == 0 ? 1024 : samples, tokens);

        Assert.Equal(expected, policy.Mode);
        Assert.Equal(0.6, policy.KeepRatio);
        Assert.True(SelectionPolicies.IsMode(mode));
    }

    [Fact]
    public void Create_UnknownModeOrBadRatio_Throws()
    {
        Assert.False(SelectionPolicies.IsMode("global-topk"));
        Assert.Throws<ArgumentException>(() => SelectionPolicies.Create("global-topk", 0.6));
        Assert.Throws<ArgumentOutOfRangeException>(() => SelectionPolicies.Create("window", 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => SelectionPolicies.Create("window", 0.6, windowSamples: 0));
    }
}
