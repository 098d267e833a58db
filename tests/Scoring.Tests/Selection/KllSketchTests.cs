using TokenClean.Scoring.Selection;

namespace TokenClean.Scoring.Tests.Selection;

public sealed class KllSketchTests
{
    [Fact]
    public void Rank_AfterAMillionUniformValues_IsWithinHalfAPercentAndMemoryStaysBounded()
    {
        var sketch = new KllSketch(k: 1024, seed: 1);
        var rng = new Random(7);
        for (var i = 0; i < 1_000_000; i++)
        {
            sketch.Add((float)rng.NextDouble());
        }

        Assert.Equal(1_000_000, sketch.Count);
        Assert.InRange(sketch.Retained, 1024, 4 * 1024);
        foreach (var q in new[] { 0.01, 0.1, 0.25, 0.4, 0.5, 0.75, 0.9, 0.99 })
        {
            Assert.InRange(sketch.Rank((float)q), q - 0.005, q + 0.005);
            Assert.InRange(sketch.Quantile(q), q - 0.005, q + 0.005);
        }
    }

    [Fact]
    public void Quantile_FewerValuesThanCapacity_IsExact()
    {
        var sketch = new KllSketch(k: 64);
        foreach (var v in new[] { 5f, 1f, float.NaN, 3f, 2f, 4f })
        {
            sketch.Add(v);
        }

        Assert.Equal(5, sketch.Count); // NaN ignored
        Assert.Equal(1f, sketch.Quantile(0));
        Assert.Equal(3f, sketch.Quantile(0.5));
        Assert.Equal(5f, sketch.Quantile(1));
        Assert.Equal(0.4, sketch.Rank(2f), 6);
        Assert.Equal(0.0, sketch.Rank(0.5f), 6);
    }

    [Fact]
    public void Merge_TwoHalves_AgreesWithOneSketchOfTheWholeStream()
    {
        var whole = new KllSketch(k: 512, seed: 3);
        var first = new KllSketch(k: 512, seed: 4);
        var second = new KllSketch(k: 512, seed: 5);
        var rng = new Random(11);
        for (var i = 0; i < 400_000; i++)
        {
            // Two different distributions: the merge must see both, not the last one.
            var v = i < 200_000 ? (float)rng.NextDouble() : 1 + (float)rng.NextDouble();
            whole.Add(v);
            (i < 200_000 ? first : second).Add(v);
        }

        first.Merge(second);
        Assert.Equal(whole.Count, first.Count);
        Assert.Equal(whole.Min, first.Min);
        Assert.Equal(whole.Max, first.Max);
        foreach (var q in new[] { 0.1, 0.3, 0.5, 0.7, 0.9 })
        {
            Assert.InRange(first.Quantile(q), whole.Quantile(q) - 0.02, whole.Quantile(q) + 0.02);
        }

        Assert.InRange(first.Rank(1f), 0.49, 0.51);
        Assert.Throws<ArgumentException>(() => first.Merge(new KllSketch(k: 256)));
    }

    [Fact]
    public void Quantile_OutsideZeroToOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new KllSketch().Quantile(1.5));
}
