using TokenClean.Scoring.Selection;

namespace TokenClean.Scoring.Tests.Selection;

public sealed class GlobalTopKTests
{
    private const float N = float.NaN;

    [Fact]
    public void Select_SixtyPercentOfEightCandidates_KeepsTheFourHighestAcrossSamples()
    {
        float[][] influence =
        [
            [N, 0.5f, 0.1f, N, 0.9f],
            [N, N, 0.3f, 0.7f, 0.2f, 0.8f, 0.4f],
        ];
        var keep = KeepArrays(influence);

        var result = GlobalTopK.Select(influence, 0.6, keep);

        // 8 candidates, int(0.6 * 8) = 4: 0.9, 0.8, 0.7, 0.5 — two in each sample, not 60% of each sample.
        Assert.Equal(new TopKResult(8, 4, 0.5f), result);
        Assert.Equal([false, true, false, false, true], keep[0]);
        Assert.Equal([false, false, false, true, false, true, false], keep[1]);
    }

    [Fact]
    public void Select_TiesAtTheThreshold_KeepsTheEarliestBySampleThenPosition()
    {
        float[][] influence =
        [
            [N, 2f, 1f, 1f],
            [N, 1f, 3f],
        ];
        var keep = KeepArrays(influence);

        var result = GlobalTopK.Select(influence, 0.6, keep);

        // int(0.6 * 5) = 3: 3 and 2, then one of the three 1s: the first in (sample, position) order is (0, 2).
        Assert.Equal(new TopKResult(5, 3, 1f), result);
        Assert.Equal([false, true, true, false], keep[0]);
        Assert.Equal([false, false, true], keep[1]);
    }

    [Fact]
    public void Select_AllEqual_KeepsTheFirstHalfInInputOrder()
    {
        float[][] influence = [[N, 1f, 1f], [N, 1f, 1f]];
        var keep = KeepArrays(influence);

        var result = GlobalTopK.Select(influence, 0.5, keep);

        Assert.Equal(2, result.Kept);
        Assert.Equal([false, true, true], keep[0]);
        Assert.Equal([false, false, false], keep[1]);
    }

    [Fact]
    public void Select_KeepZero_KeepsNothingAndTheThresholdIsNaN()
    {
        float[][] influence = [[N, 1f, 2f]];
        var keep = KeepArrays(influence);
        keep[0][1] = true;

        var result = GlobalTopK.Select(influence, 0.0, keep);

        Assert.Equal(0, result.Kept);
        Assert.True(float.IsNaN(result.Threshold));
        Assert.Equal([false, false, false], keep[0]);
    }

    [Fact]
    public void Select_KeepOne_KeepsEveryCandidateAndNoNaNPosition()
    {
        float[][] influence = [[N, -1f, float.NegativeInfinity], [N, float.PositiveInfinity, N]];
        var keep = KeepArrays(influence);

        var result = GlobalTopK.Select(influence, 1.0, keep);

        Assert.Equal(new TopKResult(3, 3, float.NegativeInfinity), result);
        Assert.Equal([false, true, true], keep[0]);
        Assert.Equal([false, true, false], keep[1]);
    }

    [Theory]
    [InlineData(0.6, 5, 3)]
    [InlineData(0.6, 10, 6)]
    [InlineData(0.7, 10, 7)]
    [InlineData(0.29, 100, 28)] // 0.29 * 100 = 28.999999999999996 in double; Python's int() gives 28 as well
    [InlineData(0.6, 1, 0)]
    [InlineData(1.0, 7, 7)]
    public void KeepCount_LikeThePapersIntOfAProduct_Truncates(double keep, int candidates, int expected)
    {
        Assert.Equal(expected, GlobalTopK.KeepCount(keep, candidates));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Select_KeepRatioOutsideZeroToOne_Throws(double keep)
    {
        float[][] influence = [[N, 1f]];
        Assert.Throws<ArgumentOutOfRangeException>(() => GlobalTopK.Select(influence, keep, KeepArrays(influence)));
    }

    [Fact]
    public void Select_RandomGroupsWithManyTies_MatchesANaiveSortByValueSampleAndPosition()
    {
        var random = new Random(20250713);
        for (var trial = 0; trial < 400; trial++)
        {
            var influence = new float[random.Next(0, 6)][];
            for (var i = 0; i < influence.Length; i++)
            {
                influence[i] = new float[random.Next(0, 9)];
                for (var j = 0; j < influence[i].Length; j++)
                {
                    // Few distinct values so that ties at the threshold are common; -4 stands for "not a candidate".
                    var v = random.Next(-4, 4);
                    influence[i][j] = v == -4 ? float.NaN : v * 0.25f;
                }
            }

            var keepRatio = random.Next(0, 11) / 10.0;
            var keep = KeepArrays(influence);
            var result = GlobalTopK.Select(influence, keepRatio, keep);

            var candidates = new List<(float V, int I, int J)>();
            for (var i = 0; i < influence.Length; i++)
            {
                for (var j = 0; j < influence[i].Length; j++)
                {
                    if (!float.IsNaN(influence[i][j]))
                    {
                        candidates.Add((influence[i][j], i, j));
                    }
                }
            }

            var k = (int)(keepRatio * candidates.Count);
            var expected = candidates.OrderByDescending(c => c.V).ThenBy(c => c.I).ThenBy(c => c.J).Take(k).ToHashSet();
            Assert.Equal(candidates.Count, result.Candidates);
            Assert.Equal(k, result.Kept);
            for (var i = 0; i < influence.Length; i++)
            {
                for (var j = 0; j < influence[i].Length; j++)
                {
                    Assert.Equal(expected.Contains((influence[i][j], i, j)), keep[i][j]);
                }
            }

            if (k > 0)
            {
                Assert.Equal(expected.Min(c => c.V), result.Threshold);
            }
        }
    }

    [Theory]
    [InlineData("random")]
    [InlineData("ties")]
    [InlineData("ascending")]
    [InlineData("descending")]
    [InlineData("organ-pipe")]
    public void NthSmallest_AnyIndexOfAnyShape_EqualsTheSortedArraysElement(string shape)
    {
        var random = new Random(shape.Length);
        foreach (var n in new[] { 1, 2, 3, 7, 64, 1000, 4099 })
        {
            var values = new float[n];
            for (var i = 0; i < n; i++)
            {
                values[i] = shape switch
                {
                    "ties" => random.Next(0, 3),
                    "ascending" => i,
                    "descending" => -i,
                    "organ-pipe" => Math.Min(i, n - i),
                    _ => (float)random.NextDouble(),
                };
            }

            var sorted = (float[])values.Clone();
            Array.Sort(sorted);
            foreach (var index in new[] { 0, n / 3, n / 2, n - 1, random.Next(n) })
            {
                var copy = (float[])values.Clone();
                Assert.Equal(sorted[index], GlobalTopK.NthSmallest(copy, index));
            }
        }
    }

    private static bool[][] KeepArrays(float[][] influence)
    {
        var keep = new bool[influence.Length][];
        for (var i = 0; i < influence.Length; i++)
        {
            keep[i] = new bool[influence[i].Length];
        }

        return keep;
    }
}
