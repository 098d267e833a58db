using System.Text.Json;

namespace TokenClean.Evidence.World;

/// <summary>
/// Readable names for a <see cref="SyntheticWorld"/>'s token ids, and a <c>tokenizer.json</c> over them, so that
/// the inspector, the demo and the status page show words instead of bare ids. The world itself is defined on ids;
/// the names carry no meaning for the models.
/// </summary>
/// <remarks>
/// The tokenizer is a Hugging Face BPE model with <c>ignore_merges</c> and no merges over a whitespace split: every
/// name is one vocabulary entry, so "amber basil" encodes to two ids and each id decodes to its name (no decoder:
/// tokens are joined with spaces, as HF does). Ids the model's padded vocabulary has beyond the world's get
/// placeholder names, so tokenizer and model agree on the vocabulary size.
/// </remarks>
public static class WorldVocabulary
{
    private static readonly string[] SymbolNames =
    [
        "amber", "basil", "cedar", "delta", "ember", "fjord", "gamma", "harbor", "iris", "jade", "kite", "lotus",
        "maple", "nova", "opal", "pearl", "quartz", "raven", "sage", "tulip", "umber", "violet", "willow", "xenon",
        "yarrow", "zinnia",
    ];

    private static readonly string[] PhraseWords =
    [
        "sure", "here", "is", "the", "answer", "of", "course", "happy", "to", "help", "glad", "you", "asked", "well",
        "let", "me", "see", "so", "hope", "this", "helps", "any", "other", "questions", "good", "luck", "that",
        "should", "do", "it", "cheers", "all", "done", "thanks", "for", "reading", "great", "question", "certainly",
        "indeed", "right", "away", "gladly", "noted", "okay", "fine", "there", "we", "go", "voila",
    ];

    /// <summary>The name of token <paramref name="id"/> in a world of <paramref name="options"/>.</summary>
    public static string Name(WorldOptions options, int id)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        var firstWord = SyntheticWorld.FirstSymbol + options.Symbols;
        var words = (options.Openers * options.OpenerWords) + (options.Closers * options.CloserWords);
        return id switch
        {
            SyntheticWorld.Bos => "<bos>",
            SyntheticWorld.Sep => "<sep>",
            SyntheticWorld.Eos => "<eos>",
            _ when id < firstWord => Indexed(SymbolNames, id - SyntheticWorld.FirstSymbol, "sym"),
            _ when id < firstWord + words => Indexed(PhraseWords, id - firstWord, "word"),
            _ => $"<pad{id}>",
        };
    }

    /// <summary>The text of <paramref name="ids"/>: names joined with spaces.</summary>
    public static string Text(WorldOptions options, IEnumerable<int> ids) => string.Join(' ', ids.Select(id => Name(options, id)));

    /// <summary>A Hugging Face <c>tokenizer.json</c> whose vocabulary is the world's names, id for id.</summary>
    public static string TokenizerJson(WorldOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var id = 0; id < options.VocabSize; id++)
        {
            vocab.Add(Name(options, id), id);
        }

        var tokenizer = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = Array.Empty<object>(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new Dictionary<string, object?> { ["type"] = "WhitespaceSplit" },
            ["post_processor"] = null,
            ["decoder"] = null,
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null,
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = true,
                ["vocab"] = vocab,
                ["merges"] = Array.Empty<string>(),
            },
        };
        return JsonSerializer.Serialize(tokenizer, new JsonSerializerOptions { WriteIndented = true });
    }

    // A name from the list while it lasts, then the list's names with a number (the defaults stay within the lists).
    private static string Indexed(string[] names, int index, string fallback) =>
        index < names.Length ? names[index] : $"{fallback}{index}";
}
