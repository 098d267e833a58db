using TokenClean.Scoring.Influence;
using TokenClean.Scoring.Selection;
using TokenClean.Core.Samples;

namespace TokenClean.Scoring.Tests.Selection;

public sealed class WindowedSelectionPolicyTests
{
    private const float N = float.NaN;

    // Three samples; token ids are 10 + position so that kept labels are easy to read.
    private static readonly float[][] Influences =
    [
        [N, N, 0.9f, 0.1f, 0.2f],
        [N, 0.8f, 0.7f],
        [N, N, 0.3f, 0.4f, 0.5f, 0.6f],
    ];

    [Fact]
    public void Global_BeforeFlush_EmitsNothingThenRanksOverAllSamples()
    {
        var policy = WindowedSelectionPolicy.Global(0.5);
        var done = new List<SelectedSample>();
        foreach (var s in Samples())
        {
            policy.Add(s, done);
        }

        Assert.Empty(done);
        Assert.Equal(3, policy.Pending);
        policy.Flush(done);

        // 9 candidates, int(0.5 * 9) = 4: 0.9, 0.8, 0.7, 0.6 — sample 0 keeps one, sample 1 both, sample 2 one.
        Assert.Equal(["s0", "s1", "s2"], done.Select(d => d.Scored.Sample.Id));
        Assert.Equal([-100, -100, 12, -100, -100], done[0].Labels);
        Assert.Equal([-100, 11, 12], done[1].Labels);
        Assert.Equal([-100, -100, -100, -100, -100, 15], done[2].Labels);
        Assert.Equal([1, 2, 1], done.Select(d => d.KeptTokens));
        Assert.All(done, d => Assert.Equal(0.6f, d.Threshold));
        Assert.Equal(0, policy.Pending);
        Assert.Equal("global", policy.Mode);
    }

    [Fact]
    public void Window_OfTwoSamples_SelectsEachWindowOnItsOwn()
    {
        var policy = WindowedSelectionPolicy.Window(0.5, maxSamples: 2);
        var done = new List<SelectedSample>();
        var samples = Samples();

        policy.Add(samples[0], done);
        Assert.Empty(done);
        policy.Add(samples[1], done);

        // Window 1 = samples 0 and 1: 5 candidates, int(2.5) = 2: 0.9 and 0.8.
        Assert.Equal(2, done.Count);
        Assert.Equal([-100, -100, 12, -100, -100], done[0].Labels);
        Assert.Equal([-100, 11, -100], done[1].Labels);
        Assert.Equal(0.8f, done[0].Threshold);

        policy.Add(samples[2], done);
        Assert.Equal(2, done.Count);
        policy.Flush(done);

        // Window 2 = sample 2 alone: 4 candidates, keep 2: 0.6 and 0.5.
        Assert.Equal([-100, -100, -100, -100, 14, 15], done[2].Labels);
        Assert.Equal(0.5f, done[2].Threshold);
        Assert.Equal("window(samples=2)", policy.Mode);
    }

    [Fact]
    public void Window_ByCandidateTokens_ClosesWhenTheBudgetIsReached()
    {
        var policy = WindowedSelectionPolicy.Window(0.5, maxSamples: 100, maxTokens: 3);
        var done = new List<SelectedSample>();
        var samples = Samples();

        policy.Add(samples[0], done);

        // Sample 0 alone has 3 response tokens: the window closes at once and keeps int(1.5) = 1.
        Assert.Single(done);
        Assert.Equal(1, done[0].KeptTokens);
    }

    [Fact]
    public void PerSample_RanksEachSampleOnItsOwn()
    {
        var policy = WindowedSelectionPolicy.PerSample(0.5);
        var done = new List<SelectedSample>();
        foreach (var s in Samples())
        {
            policy.Add(s, done);
        }

        // int(0.5 * 3) = 1, int(0.5 * 2) = 1, int(0.5 * 4) = 2 — unlike global, where sample 1 kept both.
        Assert.Equal([1, 1, 2], done.Select(d => d.KeptTokens));
        Assert.Equal([-100, -100, 12, -100, -100], done[0].Labels);
        Assert.Equal([-100, 11, -100], done[1].Labels);
        Assert.Equal([-100, -100, -100, -100, 14, 15], done[2].Labels);
        Assert.Equal([0.9f, 0.8f, 0.5f], done.Select(d => d.Threshold));
    }

    private static ScoredSample[] Samples()
    {
        var samples = new ScoredSample[Influences.Length];
        for (var i = 0; i < Influences.Length; i++)
        {
            var influence = Influences[i];
            var ids = new int[influence.Length];
            var labels = new int[influence.Length];
            var zero = new float[influence.Length];
            for (var j = 0; j < ids.Length; j++)
            {
                ids[j] = 10 + j;
                labels[j] = float.IsNaN(influence[j]) ? TokenizedSample.IgnoreLabel : ids[j];
                zero[j] = float.IsNaN(influence[j]) ? float.NaN : 0f;
            }

            samples[i] = new ScoredSample(new TokenizedSample($"s{i}", ids, labels), (float[])influence.Clone(), zero, influence);
        }

        return samples;
    }
}
