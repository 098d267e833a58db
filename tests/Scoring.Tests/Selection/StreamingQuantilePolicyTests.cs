using TokenClean.Core.Samples;
using TokenClean.Scoring.Selection;

namespace TokenClean.Scoring.Tests.Selection;

public sealed class StreamingQuantilePolicyTests
{
    /// <summary>
    /// The measure: on a stream of ≥ 1M response tokens, the tokens the streaming policy keeps agree with exact
    /// global top-k over the whole stream on ≥ 98% of the kept tokens. Influence here is a per-sample offset plus
    /// per-token noise with a heavy tail (a sample is mostly easy or mostly hard, as real scores are).
    /// </summary>
    [Fact]
    public void Select_StreamOfMoreThanAMillionTokens_AgreesWithExactGlobalTopKOnAtLeast98Percent()
    {
        var samples = Stream(samples: 4_000, seed: 5);
        long candidates = samples.Sum(s => s.Influence.Count(v => !float.IsNaN(v)));
        Assert.True(candidates >= 1_000_000, $"only {candidates} candidates");

        var policy = StreamingQuantilePolicy.Create(0.6);
        var streamed = new List<SelectedSample>();
        foreach (var s in samples)
        {
            policy.Add(s, streamed);
        }

        policy.Flush(streamed);
        Assert.Equal(samples.Count, streamed.Count);
        Assert.Equal(samples.Select(s => s.Sample.Id), streamed.Select(s => s.Scored.Sample.Id)); // stream order

        var exact = new List<SelectedSample>();
        var global = WindowedSelectionPolicy.Global(0.6);
        foreach (var s in samples)
        {
            global.Add(s, exact);
        }

        global.Flush(exact);
        long both = 0, exactKept = 0, streamKept = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            for (var j = 0; j < exact[i].Labels.Length; j++)
            {
                var e = exact[i].Labels[j] != TokenizedSample.IgnoreLabel;
                var q = streamed[i].Labels[j] != TokenizedSample.IgnoreLabel;
                exactKept += e ? 1 : 0;
                streamKept += q ? 1 : 0;
                both += e && q ? 1 : 0;
            }
        }

        var agreement = both / (double)exactKept;
        Assert.True(agreement >= 0.98, $"agreement {agreement:F4} ({both} of {exactKept} kept tokens)");
        Assert.InRange(streamKept / (double)candidates, 0.59, 0.61);
    }

    [Fact]
    public void Select_StreamShorterThanWarmup_IsExactGlobalTopKAtFlush()
    {
        var samples = Stream(samples: 20, seed: 9);
        var policy = StreamingQuantilePolicy.Create(0.5, warmupTokens: 1_000_000);
        var streamed = new List<SelectedSample>();
        foreach (var s in samples)
        {
            policy.Add(s, streamed);
        }

        Assert.Empty(streamed);
        Assert.Equal(20, policy.Pending);
        policy.Flush(streamed);

        var exact = new List<SelectedSample>();
        var global = WindowedSelectionPolicy.Global(0.5);
        foreach (var s in samples)
        {
            global.Add(s, exact);
        }

        global.Flush(exact);
        Assert.Equal(exact.Select(e => e.Labels), streamed.Select(s => s.Labels));
        Assert.Equal(0, policy.Pending);
    }

    [Fact]
    public void Select_AfterWarmup_SelectsEachSampleAsItArrives()
    {
        var samples = Stream(samples: 200, seed: 2);
        var policy = StreamingQuantilePolicy.Create(0.6, warmupTokens: 1_000);
        var done = new List<SelectedSample>();
        var arrivals = 0;
        foreach (var s in samples)
        {
            policy.Add(s, done);
            arrivals++;
            if (policy.Sketch.Count >= 1_000)
            {
                Assert.Equal(arrivals, done.Count); // nothing held once warm
            }
        }

        Assert.Equal("quantile(warmup=1000)", policy.Mode);
        Assert.All(done, d => Assert.Equal(d.Labels.Count(l => l != TokenizedSample.IgnoreLabel), d.KeptTokens));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Select_KeepRatioAtTheEnds_KeepsNothingOrEveryCandidate(double keep)
    {
        var samples = Stream(samples: 50, seed: 4);
        var policy = StreamingQuantilePolicy.Create(keep, warmupTokens: 100);
        var done = new List<SelectedSample>();
        foreach (var s in samples)
        {
            policy.Add(s, done);
        }

        policy.Flush(done);
        for (var i = 0; i < samples.Count; i++)
        {
            var candidates = samples[i].Influence.Count(v => !float.IsNaN(v));
            Assert.Equal(keep == 0 ? 0 : candidates, done[i].KeptTokens);
        }
    }

    /// <summary>Samples of 200–400 tokens: a prompt of 20 (NaN influence), then response tokens.</summary>
    private static List<ScoredSample> Stream(int samples, int seed)
    {
        var rng = new Random(seed);
        var list = new List<ScoredSample>(samples);
        for (var i = 0; i < samples; i++)
        {
            var length = rng.Next(200, 401);
            var ids = new int[length];
            var labels = new int[length];
            var influence = new float[length];
            var offset = Normal(rng) * 0.5;
            for (var j = 0; j < length; j++)
            {
                ids[j] = 3 + (j % 97);
                labels[j] = j >= 20 ? ids[j] : TokenizedSample.IgnoreLabel;
                var noise = Normal(rng);
                influence[j] = j >= 20 ? (float)(offset + (rng.NextDouble() < 0.05 ? 4 * noise : noise)) : float.NaN;
            }

            var sample = new TokenizedSample("s" + i, ids, labels);
            list.Add(new ScoredSample(sample, new float[length], new float[length], influence));
        }

        return list;
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
