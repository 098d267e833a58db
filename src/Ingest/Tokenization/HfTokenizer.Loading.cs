// Why one file of ~470 lines: it reads tokenizer.json section by section (model, normalizer, pre-tokenizer, post-processor,
// decoder); each section is a method of its own with its specific errors.
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TokenClean.Ingest.Tokenization;

/// <summary>Reading tokenizer.json into the pipeline components.</summary>
public sealed partial class HfTokenizer
{
    private const string CjkRanges = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";

    /// <summary>Loads a tokenizer from a <c>tokenizer.json</c> file or a model directory that contains one.</summary>
    /// <exception cref="TokenizerLoadException">The file is missing or malformed, or uses an unsupported component.</exception>
    public static HfTokenizer FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = Directory.Exists(path) ? Path.Combine(path, "tokenizer.json") : path;
        if (!File.Exists(file))
        {
            throw new TokenizerLoadException(file, Directory.Exists(path) ? "the model directory has no tokenizer.json" : "file not found");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(file), new JsonDocumentOptions { MaxDepth = 512 });
        }
        catch (JsonException e)
        {
            throw new TokenizerLoadException(file, $"malformed JSON: {e.Message}", e);
        }

        using (doc)
        {
            try
            {
                return new Loader(file).Load(doc.RootElement);
            }
            catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
            {
                throw new TokenizerLoadException(file, $"unexpected structure: {e.Message}", e);
            }
        }
    }

    private sealed class Loader(string file)
    {
        public HfTokenizer Load(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var modelJson) || modelJson.ValueKind != JsonValueKind.Object)
            {
                throw Fail("no \"model\" object: not a Hugging Face tokenizer.json");
            }

            var normalizer = Normalizer(Get(root, "normalizer"));
            var steps = new List<PreTokenizerStep>();
            PreTokenizer(Get(root, "pre_tokenizer"), steps);
            var byteLevel = false;
            for (var i = 0; i < steps.Count; i++)
            {
                if (steps[i] is ByteLevelStep)
                {
                    if (i != steps.Count - 1)
                    {
                        throw Fail("a ByteLevel pre-tokenizer followed by other pre-tokenizers is not supported");
                    }

                    byteLevel = true;
                }
            }

            var model = Model(modelJson, byteLevel);
            var added = new List<AddedTokenSpec>();
            if (root.TryGetProperty("added_tokens", out var addedJson) && addedJson.ValueKind == JsonValueKind.Array)
            {
                foreach (var t in addedJson.EnumerateArray())
                {
                    added.Add(new AddedTokenSpec(
                        t.GetProperty("id").GetInt32(),
                        t.GetProperty("content").GetString() ?? string.Empty,
                        Bool(t, "single_word", false),
                        Bool(t, "lstrip", false),
                        Bool(t, "rstrip", false),
                        Bool(t, "normalized", true),
                        Bool(t, "special", false)));
                }
            }

            return new HfTokenizer(file, model, normalizer, [.. steps], added, PostProcessor(Get(root, "post_processor"), model), Decoder(Get(root, "decoder")));
        }

        private TokenizerLoadException Fail(string problem) => new(file, problem);

        private static JsonElement? Get(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private static bool Bool(JsonElement e, string name, bool fallback) =>
            e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

        private static string? Str(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        private static string TypeOf(JsonElement e) => Str(e, "type") ?? string.Empty;

        private BpeModel Model(JsonElement m, bool byteLevel)
        {
            var type = Str(m, "type");
            if (type is null)
            {
                type = m.TryGetProperty("merges", out _) ? "BPE" : m.TryGetProperty("vocab", out var v) && v.ValueKind == JsonValueKind.Array ? "Unigram" : "unknown";
            }

            if (type != "BPE")
            {
                throw Fail($"model type '{type}' is not supported: only BPE models are (WordPiece, Unigram and WordLevel are not)");
            }

            if (m.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
            {
                throw Fail("BPE dropout is not supported (it makes encoding random)");
            }

            if (!string.IsNullOrEmpty(Str(m, "continuing_subword_prefix")) || !string.IsNullOrEmpty(Str(m, "end_of_word_suffix")))
            {
                throw Fail("BPE continuing_subword_prefix / end_of_word_suffix are not supported");
            }

            if (!m.TryGetProperty("vocab", out var vocabJson) || vocabJson.ValueKind != JsonValueKind.Object)
            {
                throw Fail("the BPE model has no \"vocab\" object");
            }

            var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var p in vocabJson.EnumerateObject())
            {
                vocab[p.Name] = p.Value.GetInt32();
            }

            var merges = new List<(string, string)>();
            if (m.TryGetProperty("merges", out var mergesJson) && mergesJson.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in mergesJson.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        var line = item.GetString()!;
                        var space = line.IndexOf(' ', StringComparison.Ordinal);
                        if (space < 0)
                        {
                            throw Fail($"merge '{line}' is not two tokens separated by a space");
                        }

                        merges.Add((line[..space], line[(space + 1)..]));
                    }
                    else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2)
                    {
                        merges.Add((item[0].GetString()!, item[1].GetString()!));
                    }
                    else
                    {
                        throw Fail("a merge is neither \"a b\" nor [\"a\", \"b\"]");
                    }
                }
            }

            return new BpeModel(vocab, merges, Str(m, "unk_token"), Bool(m, "fuse_unk", false), Bool(m, "byte_fallback", false), Bool(m, "ignore_merges", false), byteLevel, Fail);
        }

        private TextNormalizer? Normalizer(JsonElement? json)
        {
            if (json is not { } n)
            {
                return null;
            }

            var flat = new List<TextNormalizer>();
            Flatten(n, flat);
            return flat.Count switch
            {
                0 => null,
                1 => flat[0],
                _ => new SequenceNormalizer([.. flat]),
            };
        }

        private void Flatten(JsonElement n, List<TextNormalizer> output)
        {
            var type = TypeOf(n);
            switch (type)
            {
                case "Sequence":
                    foreach (var item in n.GetProperty("normalizers").EnumerateArray())
                    {
                        Flatten(item, output);
                    }

                    break;
                case "NFC":
                    output.Add(new UnicodeFormNormalizer(compose: true, compat: false));
                    break;
                case "NFD":
                    output.Add(new UnicodeFormNormalizer(compose: false, compat: false));
                    break;
                case "NFKC":
                    output.Add(new UnicodeFormNormalizer(compose: true, compat: true));
                    break;
                case "NFKD":
                    output.Add(new UnicodeFormNormalizer(compose: false, compat: true));
                    break;
                case "Prepend":
                    output.Add(new PrependNormalizer(Str(n, "prepend") ?? string.Empty));
                    break;
                case "Replace":
                    {
                        var content = Str(n, "content") ?? string.Empty;
                        var pattern = n.GetProperty("pattern");
                        if (Str(pattern, "String") is { } literal)
                        {
                            output.Add(new ReplaceNormalizer(literal, content));
                        }
                        else if (Str(pattern, "Regex") is { } regex)
                        {
                            output.Add(new RegexReplaceNormalizer(Regex(regex), content));
                        }
                        else
                        {
                            throw Fail("a Replace normalizer has neither a String nor a Regex pattern");
                        }

                        break;
                    }

                case "Strip":
                    output.Add(new StripNormalizer(Bool(n, "strip_left", false), Bool(n, "strip_right", false)));
                    break;
                case "StripAccents":
                    output.Add(new StripAccentsNormalizer());
                    break;
                case "Lowercase":
                    output.Add(new LowercaseNormalizer());
                    break;
                default:
                    throw Fail($"normalizer type '{type}' is not supported");
            }
        }

        private void PreTokenizer(JsonElement? json, List<PreTokenizerStep> output)
        {
            if (json is not { } p)
            {
                return;
            }

            var type = TypeOf(p);
            switch (type)
            {
                case "Sequence":
                    foreach (var item in p.GetProperty("pretokenizers").EnumerateArray())
                    {
                        PreTokenizer(item, output);
                    }

                    break;
                case "Split":
                    {
                        var pattern = p.GetProperty("pattern");
                        SplitPattern split;
                        if (Str(pattern, "String") is { } literal)
                        {
                            split = new LiteralPattern(System.Text.Encoding.UTF8.GetBytes(literal));
                        }
                        else if (Str(pattern, "Regex") is { } regex)
                        {
                            split = regex switch
                            {
                                Cl100kPattern.Llama3 => new Cl100kPattern(3),
                                Cl100kPattern.Qwen2 => new Cl100kPattern(1),
                                Gpt2Pattern.Source => Gpt2Pattern.Instance,
                                DeepSeekPattern.Source => new DeepSeekPattern(),
                                @"\p{N}{1,3}" => new DigitsPattern(3),
                                CjkRanges => new RangeRunPattern([0x4E00, 0x9FA5, 0x3040, 0x309F, 0x30A0, 0x30FF]),
                                _ => new DotNetRegexPattern(Regex(regex)),
                            };
                        }
                        else
                        {
                            throw Fail("a Split pre-tokenizer has neither a String nor a Regex pattern");
                        }

                        var behavior = Str(p, "behavior") switch
                        {
                            "Removed" => SplitBehavior.Removed,
                            "Isolated" => SplitBehavior.Isolated,
                            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
                            "MergedWithNext" => SplitBehavior.MergedWithNext,
                            "Contiguous" => SplitBehavior.Contiguous,
                            var other => throw Fail($"Split behavior '{other}' is not known"),
                        };
                        output.Add(new SplitStep(split, behavior, Bool(p, "invert", false)));
                        break;
                    }

                case "ByteLevel":
                    output.Add(new ByteLevelStep(Bool(p, "add_prefix_space", true), Bool(p, "use_regex", true)));
                    break;
                case "Metaspace":
                    {
                        var replacement = Str(p, "replacement") ?? "\u2581";
                        var scheme = Str(p, "prepend_scheme") switch
                        {
                            "first" => MetaspaceStep.Prepend.First,
                            "never" => MetaspaceStep.Prepend.Never,
                            "always" => MetaspaceStep.Prepend.Always,
                            _ => Bool(p, "add_prefix_space", true) ? MetaspaceStep.Prepend.Always : MetaspaceStep.Prepend.Never,
                        };
                        output.Add(new MetaspaceStep(replacement, scheme, Bool(p, "split", true)));
                        break;
                    }

                case "Digits":
                    output.Add(new DigitsStep(Bool(p, "individual_digits", false)));
                    break;
                case "WhitespaceSplit":
                    output.Add(new WhitespaceSplitStep());
                    break;
                default:
                    throw Fail($"pre-tokenizer type '{type}' is not supported");
            }
        }

        private Regex Regex(string pattern)
        {
            try
            {
                return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);
            }
            catch (ArgumentException e)
            {
                throw new TokenizerLoadException(file, $"regex '{pattern}' is not supported by .NET's engine: {e.Message}", e);
            }
        }

        private PostProcessor PostProcessor(JsonElement? json, BpeModel model)
        {
            if (json is not { } p)
            {
                return Tokenization.PostProcessor.None;
            }

            var type = TypeOf(p);
            switch (type)
            {
                case "ByteLevel":
                    return new PostProcessor([], [], Bool(p, "trim_offsets", true), Bool(p, "add_prefix_space", true));
                case "Sequence":
                    {
                        var result = Tokenization.PostProcessor.None;
                        foreach (var item in p.GetProperty("processors").EnumerateArray())
                        {
                            result = result.Then(PostProcessor(item, model));
                        }

                        return result;
                    }

                case "TemplateProcessing":
                    {
                        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
                        if (p.TryGetProperty("special_tokens", out var sp) && sp.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var entry in sp.EnumerateObject())
                            {
                                var ids = new List<int>();
                                foreach (var id in entry.Value.GetProperty("ids").EnumerateArray())
                                {
                                    ids.Add(id.GetInt32());
                                }

                                specials[entry.Name] = [.. ids];
                            }
                        }

                        var prefix = new List<int>();
                        var suffix = new List<int>();
                        var seenSequence = false;
                        foreach (var piece in p.GetProperty("single").EnumerateArray())
                        {
                            if (piece.TryGetProperty("Sequence", out _))
                            {
                                seenSequence = true;
                            }
                            else if (piece.TryGetProperty("SpecialToken", out var st))
                            {
                                var name = st.GetProperty("id").GetString()!;
                                if (!specials.TryGetValue(name, out var ids))
                                {
                                    throw Fail($"TemplateProcessing uses special token '{name}' that it does not define");
                                }

                                (seenSequence ? suffix : prefix).AddRange(ids);
                            }
                        }

                        return new PostProcessor([.. prefix], [.. suffix]);
                    }

                case "RobertaProcessing":
                    return new PostProcessor(
                        [p.GetProperty("cls")[1].GetInt32()],
                        [p.GetProperty("sep")[1].GetInt32()],
                        Bool(p, "trim_offsets", true),
                        Bool(p, "add_prefix_space", true));
                case "BertProcessing":
                    return new PostProcessor([p.GetProperty("cls")[1].GetInt32()], [p.GetProperty("sep")[1].GetInt32()]);
                default:
                    throw Fail($"post-processor type '{type}' is not supported");
            }
        }

        private TokenDecoder? Decoder(JsonElement? json)
        {
            if (json is not { } d)
            {
                return null;
            }

            var type = TypeOf(d);
            switch (type)
            {
                case "Sequence":
                    {
                        var items = new List<TokenDecoder>();
                        foreach (var item in d.GetProperty("decoders").EnumerateArray())
                        {
                            if (Decoder(item) is { } decoder)
                            {
                                items.Add(decoder);
                            }
                        }

                        return new SequenceDecoder([.. items]);
                    }

                case "ByteLevel":
                    return new ByteLevelDecoder();
                case "ByteFallback":
                    return new ByteFallbackDecoder();
                case "Fuse":
                    return new FuseDecoder();
                case "Replace":
                    {
                        var literal = Str(d.GetProperty("pattern"), "String")
                            ?? throw Fail("a Replace decoder with a Regex pattern is not supported");
                        return new ReplaceDecoder(literal, Str(d, "content") ?? string.Empty);
                    }

                case "Strip":
                    {
                        var content = Str(d, "content") ?? " ";
                        return new StripDecoder(char.ConvertToUtf32(content, 0), d.GetProperty("start").GetInt32(), d.GetProperty("stop").GetInt32());
                    }

                case "Metaspace":
                    {
                        var scheme = Str(d, "prepend_scheme");
                        var prepend = scheme is null ? Bool(d, "add_prefix_space", true) : scheme != "never";
                        return new MetaspaceDecoder(Str(d, "replacement") ?? "\u2581", prepend);
                    }

                default:
                    throw Fail($"decoder type '{type}' is not supported");
            }
        }
    }
}
