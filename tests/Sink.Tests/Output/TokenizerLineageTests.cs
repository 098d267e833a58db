using System.Security.Cryptography;
using TokenClean.Sink.Output;
using TokenClean.Tests.Shared;

namespace TokenClean.Sink.Tests.Output;

/// <summary>The one tokenizer lineage format (serve's lake files, clean's files and manifest).</summary>
public sealed class TokenizerLineageTests : IDisposable
{
    private readonly TempDirectory _dir = new("sink");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FromPath_FolderOrItsTokenizerJson_NamesTheFolderAndHashesTheFile()
    {
        var model = Directory.CreateDirectory(_dir.File("qwen3-0.6b")).FullName;
        var json = Path.Combine(model, "tokenizer.json");
        File.WriteAllText(json, """{"model":{"type":"BPE"}}""");
        var expected = new TokenizerLineage("qwen3-0.6b", "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(json))));

        Assert.Equal(expected, TokenizerLineage.FromPath(model));
        Assert.Equal(expected, TokenizerLineage.FromPath(model + Path.DirectorySeparatorChar));
        Assert.Equal(expected, TokenizerLineage.FromPath(json));
        Assert.Equal(expected, new OutputMetadata(expected, "window", 0.6, "t") is var m ? new TokenizerLineage(m.TokenizerId, m.TokenizerHash) : default);
    }

    [Fact]
    public void FromPath_NoTokenizer_IsNone()
    {
        Assert.Equal(TokenizerLineage.None, TokenizerLineage.FromPath(null));
        Assert.Equal(TokenizerLineage.None, TokenizerLineage.FromPath(_dir.Path)); // a folder without tokenizer.json
        Assert.Equal(new TokenizerLineage("none", "none"), TokenizerLineage.None);
    }
}
