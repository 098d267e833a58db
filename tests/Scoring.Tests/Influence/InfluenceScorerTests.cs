using TokenClean.Scoring.Influence;
using TokenClean.Tests.Shared;
using TokenClean.Core.Samples;
using TokenClean.Core.Rejections;

namespace TokenClean.Scoring.Tests.Influence;

public sealed class InfluenceScorerTests
{
    private const int Ignore = TokenizedSample.IgnoreLabel;

    // Base bigram counts: (0,1)=2 (1,2)=2 (2,3)=1 (1,1)=1; row totals c0=2 c1=3 c2=1.
    private static BigramTokenLossModel Base() => new("base", 4, [[0, 1, 2, 3], [0, 1, 1, 2]]);

    // Reference bigram counts: (0,1)=2 (1,2)=2 (2,3)=3 (0,2)=1; row totals c0=3 c1=2 c2=3.
    private static BigramTokenLossModel Reference() => new("ref", 4, [[0, 1, 2, 3], [0, 1, 2, 3], [0, 2, 3]]);

    [Fact]
    public void Score_ResponseTokens_GetBaseMinusReferenceLossAndPromptTokensGetNaN()
    {
        var scorer = new InfluenceScorer(Base(), Reference());
        var sample = new TokenizedSample("a", [0, 1, 2, 3], [Ignore, Ignore, 2, 3]);

        var scored = Assert.Single(scorer.Score([sample]));

        // Position 2 (token 2 after 1): p_base = (2+1)/(3+4) = 3/7, p_ref = (2+1)/(2+4) = 1/2.
        // Position 3 (token 3 after 2): p_base = (1+1)/(1+4) = 2/5, p_ref = (3+1)/(3+4) = 4/7.
        Assert.Equal(Math.Log(7.0 / 3), scored.BaseLoss[2], 5);
        Assert.Equal(Math.Log(2.0), scored.ReferenceLoss[2], 5);
        Assert.Equal(Math.Log(7.0 / 6), scored.Influence[2], 5);
        Assert.Equal(Math.Log(10.0 / 7), scored.Influence[3], 5);
        Assert.True(float.IsNaN(scored.Influence[0]) && float.IsNaN(scored.Influence[1]));
        Assert.True(float.IsNaN(scored.BaseLoss[1]) && float.IsNaN(scored.ReferenceLoss[1]));
        Assert.Equal(2, scored.ResponseTokens);
    }

    [Fact]
    public void Score_PositionZeroLabelledAsResponse_IsNeverScored()
    {
        var scorer = new InfluenceScorer(Base(), Reference());
        var sample = new TokenizedSample("a", [0, 1], [0, 1]);

        var scored = Assert.Single(scorer.Score([sample]));

        // Token 1 after 0: p_base = 3/6, p_ref = 3/7, influence = ln 2 − ln(7/3) = ln(6/7).
        Assert.True(float.IsNaN(scored.Influence[0]));
        Assert.Equal(Math.Log(6.0 / 7), scored.Influence[1], 5);
        Assert.Equal(1, scored.ResponseTokens);
    }

    [Fact]
    public void Score_ABatch_EqualsScoringEachSampleAloneAndKeepsItsOrder()
    {
        var scorer = new InfluenceScorer(Base(), Reference());
        TokenizedSample[] samples =
        [
            new TokenizedSample("a", [0, 1, 2, 3], [Ignore, Ignore, 2, 3]),
            new TokenizedSample("b", [3, 2, 1], [Ignore, 2, 1]),
            new TokenizedSample("c", [1, 1, 1, 2, 0], [Ignore, 1, Ignore, 2, 0]),
        ];

        var together = scorer.Score(samples);

        for (var i = 0; i < samples.Length; i++)
        {
            var alone = Assert.Single(scorer.Score([samples[i]]));
            Assert.Same(samples[i], together[i].Sample);
            Assert.Equal(alone.Influence, together[i].Influence);
        }
    }

    [Fact]
    public void Score_CallsEachModelOncePerBatch()
    {
        var b = Base();
        var r = Reference();
        var scorer = new InfluenceScorer(b, r);

        _ = scorer.Score([new TokenizedSample("a", [0, 1], [Ignore, 1]), new TokenizedSample("b", [1, 2], [Ignore, 2])]);

        Assert.Equal(1, b.Calls);
        Assert.Equal(1, r.Calls);
    }

    [Fact]
    public void Constructor_ModelsWithDifferentVocabularies_Throws()
    {
        using var small = new BigramTokenLossModel("small", 4, []);
        using var big = new BigramTokenLossModel("big", 5, []);

        var error = Assert.Throws<ArgumentException>(() => new InfluenceScorer(small, big));

        Assert.Contains("vocabulary size 4", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 0, 4 }, new[] { Ignore, 4 }, RejectionReason.TokenOutOfVocabulary)]
    [InlineData(new[] { 0, -1 }, new[] { Ignore, -1 }, RejectionReason.TokenOutOfVocabulary)]
    [InlineData(new[] { 0, 1, 2 }, new[] { Ignore, Ignore, Ignore }, RejectionReason.NoResponseTokens)]
    [InlineData(new[] { 0, 1, 2 }, new[] { 0, Ignore, Ignore }, RejectionReason.NoResponseTokens)]
    [InlineData(new int[0], new int[0], RejectionReason.EmptySample)]
    [InlineData(new[] { 0, 1, 2, 3, 0, 1 }, new[] { Ignore, 1, 2, 3, 0, 1 }, RejectionReason.TooManyTokens)]
    public void Validate_BadSamples_NamesTheReason(int[] ids, int[] labels, RejectionReason reason)
    {
        var scorer = new InfluenceScorer(Base(), Reference());

        var rejection = scorer.Validate(new TokenizedSample("x", ids, labels), maxLength: 5);

        Assert.Equal(reason, rejection?.Reason);
    }

    [Fact]
    public void Validate_ALongerLimitThanTheModels_StillUsesTheModelsContext()
    {
        var scorer = new InfluenceScorer(new BigramTokenLossModel("b", 4, [], maxSequenceLength: 3), Reference());

        var rejection = scorer.Validate(new TokenizedSample("x", [0, 1, 2, 3], [Ignore, 1, 2, 3]), maxLength: 100);

        Assert.Equal(RejectionReason.TooManyTokens, rejection?.Reason);
        Assert.Equal(3, scorer.MaxSequenceLength);
    }

    [Fact]
    public void Score_AnIdOutsideTheVocabulary_ThrowsWithTheSampleId()
    {
        var scorer = new InfluenceScorer(Base(), Reference());

        var error = Assert.Throws<ArgumentException>(() => scorer.Score([new TokenizedSample("bad", [0, 9], [Ignore, 9])]));

        Assert.Contains("'bad'", error.Message, StringComparison.Ordinal);
        Assert.Contains(RejectionReason.TokenOutOfVocabulary.Code(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_LengthsDiffer_Throws()
    {
        Assert.Throws<ArgumentException>(() => new TokenizedSample("x", [0, 1, 2], [Ignore, 1]));
    }
}
