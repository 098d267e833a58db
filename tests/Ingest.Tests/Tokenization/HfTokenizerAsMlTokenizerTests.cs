using System.Buffers;
using Microsoft.ML.Tokenizers;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>
/// <see cref="HfTokenizer"/> used as a Microsoft.ML.Tokenizers <see cref="Tokenizer"/>: offsets in UTF-16 units,
/// cuts by token count that never split a character, decoding into a span, the ids-only members staying
/// allocation-free. Expected ids and offsets come from HF tokenizers (the Rust library through the Node oracle,
/// whose code-point offsets for "a😀b héllo" are [0,1] [1,2] [1,2] [2,3] [3,5] [5,7] [7,9]).
/// </summary>
public sealed class HfTokenizerAsMlTokenizerTests
{
    private const string Sample = "a😀b héllo";

    private static readonly Lazy<HfTokenizer> Llama3 = new(() => HfTokenizer.FromFile(OracleRunner.TokenizerJson("llama3")));

    private static Tokenizer AsMl => Llama3.Value;

    [Fact]
    public void EncodeToTokens_AstralAndMultiByteCharacters_OffsetsAreUtf16AndSharedByTheTokensOfOneCharacter()
    {
        var tokens = AsMl.EncodeToTokens(Sample, out var normalized);

        Assert.Null(normalized);
        Assert.Equal([64, 76460, 222, 65, 305, 19010, 385], tokens.Select(t => t.Id));
        Assert.Equal(
            [(0, 1), (1, 3), (1, 3), (3, 4), (4, 6), (6, 8), (8, 10)],
            tokens.Select(t => (t.Offset.Start.Value, t.Offset.End.Value)));
        Assert.Equal(["a", "ðŁĺ", "Ģ", "b", "Ġh", "Ã©l", "lo"], tokens.Select(t => t.Value));
    }

    [Fact]
    public void EncodeWithOffsets_SpecialTokensOfTheTemplate_HaveEmptyRangeAtZero()
    {
        // Llama 2's template puts <s> (id 1) first; its normalizer prepends "▁", which takes the range of "h".
        var tokens = HfTokenizer.FromFile(OracleRunner.TokenizerJson("llama2")).EncodeWithOffsets("hi", addSpecialTokens: true);

        Assert.Equal(1, tokens[0].Id);
        Assert.Equal(new Range(0, 0), tokens[0].Offset);
        Assert.Equal(new Range(0, 2), tokens[1].Offset);
    }

    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 1)] // the 2nd token holds half of 😀: the cut moves back to before it
    [InlineData(3, 3, 3)]
    [InlineData(6, 6, 8)]
    [InlineData(7, 7, 10)]
    [InlineData(100, 7, 10)]
    public void GetIndexByTokenCount_FromStart_NeverSplitsACharacter(int max, int expectedCount, int expectedIndex)
    {
        var index = AsMl.GetIndexByTokenCount(Sample, max, out var normalized, out var count);

        Assert.Null(normalized);
        Assert.Equal(expectedCount, count);
        Assert.Equal(expectedIndex, index);
        Assert.Equal(AsMl.EncodeToIds(Sample).Take(count), AsMl.EncodeToIds(Sample[..index]));
    }

    [Theory]
    [InlineData(0, 0, 10)]
    [InlineData(4, 4, 3)]
    [InlineData(5, 4, 3)] // the 5th token from the end holds half of 😀: the cut moves forward past it
    [InlineData(6, 6, 1)]
    [InlineData(7, 7, 0)]
    [InlineData(100, 7, 0)]
    public void GetIndexByTokenCountFromEnd_NeverSplitsACharacter(int max, int expectedCount, int expectedIndex)
    {
        var index = AsMl.GetIndexByTokenCountFromEnd(Sample, max, out _, out var count);

        Assert.Equal(expectedCount, count);
        Assert.Equal(expectedIndex, index);
        Assert.Equal(AsMl.EncodeToIds(Sample).Skip(AsMl.CountTokens(Sample) - count), AsMl.EncodeToIds(Sample[index..]));
    }

    [Fact]
    public void EncodeToIds_WithMaxTokenCount_StopsAtACharacterBoundaryAndReportsCharsConsumed()
    {
        var ids = AsMl.EncodeToIds(Sample, maxTokenCount: 2, out _, out var consumed);

        Assert.Equal([64], ids);
        Assert.Equal(1, consumed);
    }

    [Fact]
    public void Decode_IntoASpan_WritesAllOrAPrefixThatIsWholeText()
    {
        var ids = AsMl.EncodeToIds(Sample);
        var big = new char[64];
        Assert.Equal(OperationStatus.Done, AsMl.Decode(ids, big, out var consumed, out var written));
        Assert.Equal((ids.Count, Sample), (consumed, new string(big, 0, written)));

        // Room for "a" plus one UTF-16 unit: the emoji (two ids, two units) does not fit.
        var small = new char[2];
        Assert.Equal(OperationStatus.DestinationTooSmall, AsMl.Decode(ids, small, out consumed, out written));
        Assert.Equal((1, "a"), (consumed, new string(small, 0, written)));

        Assert.Equal(Sample, AsMl.Decode(ids));
    }

    [Fact]
    public void ConsiderNormalizationFalse_SkipsTheNormalizer()
    {
        // Qwen3 normalizes to NFC: "e" + U+0301 is "é" with the normalizer and two characters without it.
        Tokenizer qwen3 = HfTokenizer.FromFile(OracleRunner.TokenizerJson("qwen3"));
        const string decomposed = "cafe\u0301 ok";

        Assert.Equal(qwen3.EncodeToIds("caf\u00e9 ok"), qwen3.EncodeToIds(decomposed));
        Assert.NotEqual(qwen3.EncodeToIds("caf\u00e9 ok"), qwen3.EncodeToIds(decomposed, considerPreTokenization: true, considerNormalization: false));
    }

    [Fact]
    public void EncodeToTokens_ThroughNfc_OffsetsPointIntoTheInputAsHfDoes()
    {
        // HF (checked with the Node oracle): [924, 58858, 5394] at [0,2] [2,4] [5,8]. The composed "é" keeps the
        // alignment of its first source character, so "fé" ends before the combining mark.
        Tokenizer qwen3 = HfTokenizer.FromFile(OracleRunner.TokenizerJson("qwen3"));

        var tokens = qwen3.EncodeToTokens("cafe\u0301 ok", out _);

        Assert.Equal([924, 58858, 5394], tokens.Select(t => t.Id));
        Assert.Equal([(0, 2), (2, 4), (5, 8)], tokens.Select(t => (t.Offset.Start.Value, t.Offset.End.Value)));
    }

    [Fact]
    public void CountTokens_ThroughTheBaseType_AllocatesNothingAfterWarmUp()
    {
        var texts = new[] { Sample, "The quick brown fox jumps over the lazy dog.", "def f(x):\n    return x ** 2\n" };
        var total = 0;
        foreach (var t in texts)
        {
            total += AsMl.CountTokens(t);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var r = 0; r < 100; r++)
        {
            for (var i = 0; i < texts.Length; i++)
            {
                total += AsMl.CountTokens(texts[i]);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(total > 0);
    }
}
