using TokenClean.Core.Samples;
using TokenClean.Scoring.Selection;

namespace TokenClean.Scoring.Tests.Selection;

/// <summary>The fixed-threshold policy and the options on top of any policy (minimum kept per sample, soft weights), through the one factory.</summary>
public sealed class SelectionOptionsPolicyTests
{
    // Sample 0 ranks high, sample 1 low: global top-50% keeps nothing of sample 1.
    private static readonly float[][] Influences =
    [
        [float.NaN, 5f, 4f, 3f, 6f],
        [float.NaN, float.NaN, -1f, -2f, 0.5f, -3f],
    ];

    [Fact]
    public void Threshold_KeepsExactlyTheTokensAtOrAboveIt_AndHasNoRatio()
    {
        var policy = SelectionPolicies.Create(new SelectionOptions { Mode = SelectionPolicies.Threshold, Threshold = 0.5 });
        var selected = Select(policy);

        Assert.Equal("threshold(0.5)", policy.Mode);
        Assert.True(double.IsNaN(policy.KeepRatio));
        Assert.Equal([4, 1], selected.Select(s => s.KeptTokens));
        Assert.Equal([-100, -100, -100, -100, 14, -100], selected[1].Labels); // 0.5 ≥ 0.5 kept; NaN never
        Assert.All(selected, s => Assert.Equal(0.5f, s.Threshold));
        Assert.Throws<ArgumentException>(() => SelectionPolicies.Create(new SelectionOptions { Mode = SelectionPolicies.Threshold }));
    }

    [Fact]
    public void MinKeptPerSample_AddsTheSamplesBestTokens_OnTopOfGlobalTopK()
    {
        var plain = Select(SelectionPolicies.Create(new SelectionOptions { Mode = SelectionPolicies.Global, KeepRatio = 0.5 }));
        Assert.Equal([4, 0], plain.Select(s => s.KeptTokens)); // int(0.5 × 8) = 4, all from sample 0

        var policy = SelectionPolicies.Create(new SelectionOptions { Mode = SelectionPolicies.Global, KeepRatio = 0.5, MinKeptPerSample = 2 });
        var selected = Select(policy);
        Assert.Equal("global+min-kept(2)", policy.Mode);
        Assert.Equal([4, 2], selected.Select(s => s.KeptTokens));
        Assert.Equal([-100, -100, 12, -100, 14, -100], selected[1].Labels); // its best two: 0.5 and -1
        Assert.Equal(plain[0].Labels, selected[0].Labels);
        Assert.Equal(plain[1].Threshold, selected[1].Threshold); // the policy's threshold stays
    }

    [Fact]
    public void SoftWeights_AreSigmoidOfTheScoreAboveTheThreshold_ZeroWhereNotScored()
    {
        var selected = Select(SelectionPolicies.Create(new SelectionOptions { Mode = SelectionPolicies.Global, KeepRatio = 0.5, SoftWeightTemperature = 2 }));
        var threshold = selected[0].Threshold;
        Assert.Equal(3f, threshold); // the 4th of 6, 5, 4, 3, 0.5, -1, -2, -3
        for (var i = 0; i < Influences.Length; i++)
        {
            var w = selected[i].SoftWeights!;
            for (var j = 0; j < w.Length; j++)
            {
                var s = Influences[i][j];
                Assert.Equal(float.IsNaN(s) ? 0 : 1 / (1 + Math.Exp(-(s - threshold) / 2.0)), w[j], 5); // float32 storage
            }
        }

        Assert.Equal(0.5f, selected[0].SoftWeights![3]); // exactly at the threshold
        Assert.All(SoftWeights.Compute([1f, 2f], float.NaN, 1), w => Assert.Equal(0f, w)); // nothing kept: no weight
        Assert.Null(Select(SelectionPolicies.Create(new SelectionOptions { KeepRatio = 0.5 }))[0].SoftWeights);
    }

    private static List<SelectedSample> Select(ISelectionPolicy policy)
    {
        var completed = new List<SelectedSample>();
        for (var i = 0; i < Influences.Length; i++)
        {
            var influence = Influences[i];
            var ids = Enumerable.Range(10, influence.Length).ToArray();
            var labels = ids.Select((id, j) => float.IsNaN(influence[j]) ? -100 : id).ToArray();
            var zero = new float[influence.Length];
            policy.Add(new ScoredSample(new TokenizedSample($"s{i}", ids, labels), zero, zero, influence), completed);
        }

        policy.Flush(completed);
        return completed;
    }
}
