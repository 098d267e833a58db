using System.Text.Json;
using TokenClean.Embedded.Tokenizers;
using TokenClean.Ingest.Tokenization;

namespace TokenClean.Ingest.Tests.Tokenization;

public sealed class BpeTrainerTests
{
    private static readonly string[] Corpus = ["the cat sat on the mat", "the cat ate the rat", "长城 长城 长城"];

    [Fact]
    public void Train_OnTheSameCorpus_IsDeterministic()
    {
        Assert.Equal(BpeTrainer.Train(Corpus, 20, ["<|im_end|>"]), BpeTrainer.Train(Corpus, 20, ["<|im_end|>"]));
    }

    [Fact]
    public void Train_WritesByteTokensThenMergesThenSpecialTokens()
    {
        using var doc = JsonDocument.Parse(BpeTrainer.Train(Corpus, 20, ["<|im_start|>", "<|im_end|>"]));
        var model = doc.RootElement.GetProperty("model");
        var vocab = model.GetProperty("vocab");
        var merges = model.GetProperty("merges").GetArrayLength();

        Assert.InRange(merges, 5, 20);
        Assert.Equal(256 + merges, vocab.EnumerateObject().Count());
        Assert.Equal(33, vocab.GetProperty("!").GetInt32());
        Assert.Equal(32, vocab.GetProperty("Ġ").GetInt32()); // the space byte is "Ġ" in the byte-level alphabet; byte tokens have id = byte value
        var added = doc.RootElement.GetProperty("added_tokens");
        Assert.Equal(256 + merges, added[0].GetProperty("id").GetInt32());
        Assert.Equal("<|im_end|>", added[1].GetProperty("content").GetString());

        // Every merge produces a token of the vocabulary.
        foreach (var merge in model.GetProperty("merges").EnumerateArray())
        {
            Assert.True(vocab.TryGetProperty(merge[0].GetString()! + merge[1].GetString()!, out _));
        }
    }
}
