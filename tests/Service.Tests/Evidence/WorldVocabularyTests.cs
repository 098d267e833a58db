using TokenClean.Evidence.World;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Service.Tests.Evidence;

/// <summary>The synthetic world's tokenizer.json: loaded by the product's tokenizer, it maps every name to its id and back.</summary>
public sealed class WorldVocabularyTests
{
    [Fact]
    public void TheTokenizer_EncodesEveryNameToItsId_AndDecodesEveryIdToItsName()
    {
        var options = new WorldOptions();
        using var dir = new TokenClean.Tests.Shared.TempDirectory("vocab");
        var path = Path.Combine(dir.Path, "tokenizer.json");
        File.WriteAllText(path, WorldVocabulary.TokenizerJson(options));
        var tokenizer = HfTokenizer.FromFile(path);

        Assert.Equal(options.VocabSize, tokenizer.VocabSize);
        var ids = Enumerable.Range(0, options.VocabSize).ToArray();
        var names = ids.Select(id => WorldVocabulary.Name(options, id)).ToArray();
        Assert.Equal(names.Length, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ids, tokenizer.EncodeToIds(WorldVocabulary.Text(options, ids)).ToArray());
        foreach (var id in ids)
        {
            Assert.Equal(names[id], tokenizer.Decode([id]));
        }
    }

    [Fact]
    public void ASample_ReadsAsWords()
    {
        var options = new WorldOptions();
        var sample = new SyntheticWorld(options).Pool(0)[0];
        var text = WorldVocabulary.Text(options, sample.InputIds);
        Assert.StartsWith("<bos> ", text, StringComparison.Ordinal);
        Assert.EndsWith(" <eos>", text, StringComparison.Ordinal);
        Assert.Contains(" <sep> ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<pad", text, StringComparison.Ordinal);
    }
}
