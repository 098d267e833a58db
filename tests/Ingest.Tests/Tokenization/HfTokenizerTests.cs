using TokenClean.Ingest.Json;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Ingest.Tests.Tokenization;

public sealed class HfTokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tokenclean-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FromFile_AMissingFile_ThrowsNamingTheFile()
    {
        var path = Path.Combine(_dir, "absent.json");
        var e = Assert.Throws<TokenizerLoadException>(() => HfTokenizer.FromFile(path));
        Assert.Equal(path, e.Path);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_ADirectoryWithoutTokenizerJson_ThrowsNamingIt()
    {
        var e = Assert.Throws<TokenizerLoadException>(() => HfTokenizer.FromFile(_dir));
        Assert.Contains("no tokenizer.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_MalformedJson_ThrowsNamingTheFileAndTheProblem()
    {
        var path = Write("{\"model\": {\"type\": \"BPE\", ");
        var e = Assert.Throws<TokenizerLoadException>(() => HfTokenizer.FromFile(path));
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("WordPiece")]
    [InlineData("Unigram")]
    [InlineData("WordLevel")]
    public void FromFile_ANonBpeModel_ThrowsNamingTheModelType(string type)
    {
        var path = Write($"{{\"model\": {{\"type\": \"{type}\", \"vocab\": {{}}}}}}");
        var e = Assert.Throws<TokenizerLoadException>(() => HfTokenizer.FromFile(path));
        Assert.Contains($"model type '{type}' is not supported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_AnUnsupportedNormalizer_ThrowsNamingIt()
    {
        var path = Write("{\"normalizer\": {\"type\": \"Precompiled\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
        var e = Assert.Throws<TokenizerLoadException>(() => HfTokenizer.FromFile(path));
        Assert.Contains("normalizer type 'Precompiled'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFile_AMergeOutsideTheVocabulary_Throws()
    {
        var path = Write("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
        var e = Assert.Throws<TokenizerLoadException>(() => HfTokenizer.FromFile(path));
        Assert.Contains("merge #0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_AMinimalBpe_MergesByRankAndFallsBackToUnk()
    {
        var path = Write("""
            {"model": {"type": "BPE", "unk_token": "?", "fuse_unk": true,
              "vocab": {"?": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "bc": 5, "abc": 6},
              "merges": ["b c", "a b", "a bc"]},
             "added_tokens": [{"id": 7, "content": "<x>", "special": true, "normalized": false,
               "single_word": false, "lstrip": false, "rstrip": false}]}
            """);
        var tokenizer = HfTokenizer.FromFile(path);

        // Checked against HF tokenizers: "b c" ranks first, so "abc" is a + bc, then abc; "zz" is two unknowns fused
        // into one; without a decoder HF joins tokens with spaces.
        Assert.Equal([6], tokenizer.Encode("abc"));
        Assert.Equal([4, 0, 7, 1], tokenizer.Encode("abzz<x>a"));
        Assert.Equal("ab ? <x> a", tokenizer.Decode([4, 0, 7, 1]));
        Assert.Equal("ab ? a", tokenizer.Decode([4, 0, 7, 1], skipSpecialTokens: true));
        Assert.Equal(8, tokenizer.VocabSize);
        Assert.Equal(7, tokenizer.TokenToId("<x>"));
        Assert.Null(tokenizer.TokenToId("zz"));
    }

    [Fact]
    public void Encode_SpanAndStringOverloads_AgreeAndLoneSurrogatesBecomeReplacementCharacters()
    {
        var tokenizer = HfTokenizer.FromFile(OracleRunner.TokenizerJson("qwen3"));
        const string text = "a\ud800b \U0001F600 x";
        var fromString = tokenizer.Encode(text);
        Assert.Equal(fromString, tokenizer.Encode(text.AsSpan()));
        Assert.Equal(tokenizer.Encode("a\uFFFDb \U0001F600 x"), fromString);
    }

    /// <summary>Expected strings are HF tokenizers' decode of the same ids (Rust's lossy UTF-8: one U+FFFD per
    /// maximal invalid subsequence for byte-level; one per byte for an invalid ByteFallback run).</summary>
    [Theory]
    [InlineData("qwen3", new[] { 127, 127 }, "\uFFFD\uFFFD")]
    [InlineData("qwen3", new[] { 160, 116 }, "\uFFFD")]
    [InlineData("qwen3", new[] { 172, 253, 246, 32 }, "\uFFFDA")]
    [InlineData("qwen3", new[] { 169, 254, 222 }, "\uFFFD\uFFFD\uFFFD")]
    [InlineData("qwen3", new[] { 32, 187, 33 }, "A\uFFFDB")]
    [InlineData("llama2", new[] { 264, 231, 187, 28726 }, "a\uFFFD\uFFFDb")]
    [InlineData("llama2", new[] { 264, 231, 187, 176, 28726 }, "a中b")]
    [InlineData("llama2", new[] { 264, 243, 162, 155, 28726 }, "a\uFFFD\uFFFD\uFFFDb")]
    public void Decode_IncompleteUtf8_ReplacesLikeHfTokenizers(string model, int[] ids, string expected)
    {
        var tokenizer = HfTokenizer.FromFile(OracleRunner.TokenizerJson(model));
        Assert.Equal(expected, tokenizer.Decode(ids));
    }

    [Theory]
    [InlineData("\"plain\"", "plain")]
    [InlineData("  \"tab\\there\\n\"  ", "tab\there\n")]
    [InlineData("\"\\u00e9\\/\\\\\\\"\"", "é/\\\"")]
    public void JsonStringLiteral_ValidLines_ParseToTheirText(string line, string expected)
    {
        Assert.True(JsonStringLiteral.TryParse(line, out var value, out var error), error);
        Assert.Equal(expected, value);
    }

    [Fact]
    public void JsonStringLiteral_AnEscapedLoneSurrogate_IsKept()
    {
        Assert.True(JsonStringLiteral.TryParse("\"\\ud800 lone\"", out var value, out _));
        Assert.Equal("\ud800 lone", value);
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("{\"text\": \"a\"}")]
    [InlineData("\"unterminated")]
    [InlineData("\"bad \\x escape\"")]
    [InlineData("\"a\" \"b\"")]
    [InlineData("\"\\u12\"")]
    public void JsonStringLiteral_InvalidLines_AreRejectedWithAReason(string line)
    {
        Assert.False(JsonStringLiteral.TryParse(line, out _, out var error));
        Assert.NotEmpty(error);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }
}
