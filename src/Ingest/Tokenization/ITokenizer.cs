namespace TokenClean.Ingest.Tokenization;

/// <summary>
/// Text ↔ token ids, exactly as the model's Hugging Face tokenizer does it. The seam between the chat-template and
/// sample code (which renders text and derives response masks) and the tokenizer implementation.
/// </summary>
/// <remarks>
/// <see cref="HfTokenizer"/> is also a <c>Microsoft.ML.Tokenizers.Tokenizer</c>, the type other .NET code accepts.
/// This interface stays as the sample code's seam because that base type has neither a vocabulary size nor a
/// token → id lookup (the sample encoder needs both: id-range validation and the end-of-turn id), nor an
/// add-special-tokens switch; and because the test doubles behind the seam (HF tokenizers through Node, a byte
/// tokenizer, a counting wrapper) need only these four members, not offsets.
/// </remarks>
public interface ITokenizer
{
    /// <summary>Number of ids the tokenizer can produce (base vocabulary plus added tokens).</summary>
    int VocabSize { get; }

    /// <summary>Encodes text; special-token strings inside it are matched as tokens, as HF does.</summary>
    /// <param name="text">The text to encode.</param>
    /// <param name="addSpecialTokens">Apply the post-processor's template (e.g. BOS/EOS).</param>
    int[] Encode(string text, bool addSpecialTokens = false);

    /// <summary>Decodes ids back to text.</summary>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false);

    /// <summary>The id of a token string (vocabulary or added token), or null when there is none.</summary>
    int? TokenToId(string token);
}
