using TokenClean.Embedded.Tokenizers;
using TokenClean.Ingest.Tokenization;
using TokenClean.Service.Inspection;

namespace TokenClean.Service.Tests.Inspection;

public sealed class TokenPiecesTests
{
    [Theory]
    [InlineData("plain words and more words")]
    [InlineData("héllo wörld: naïve café")]
    [InlineData("emoji 😀 and 🧪 split over byte tokens")]
    [InlineData("<|im_start|>user\nhi 😀<|im_end|>")]
    public void Decode_AnyText_PiecesConcatenateToTheWholeDecodeWithoutBrokenCharacters(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "tc-pieces-" + Guid.NewGuid().ToString("N")[..12] + ".json");
        File.WriteAllText(path, BpeTrainer.Train(["plain words and more words", "héllo wörld café"], 40, ["<|im_start|>", "<|im_end|>"]));
        var tokenizer = HfTokenizer.FromFile(path);
        File.Delete(path);
        var ids = tokenizer.Encode(text);
        var pieces = TokenPieces.Decode(tokenizer, ids);

        Assert.Equal(ids.Length, pieces.Length);
        Assert.Equal(tokenizer.Decode(ids), string.Concat(pieces));
        Assert.All(pieces, p => Assert.DoesNotContain('\uFFFD', p));
    }
}
