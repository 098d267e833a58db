using System.Text.Json.Nodes;

namespace TokenClean.Ingest.Tests.Tokenization;

/// <summary>tokenizer.json variants made from the shipped files, for pipeline shapes those files do not use.</summary>
internal static class DerivedTokenizers
{
    public static string Create(string variant)
    {
        switch (variant)
        {
            case "gpt2_style":
                {
                    var root = Load("qwen3");
                    root["pre_tokenizer"] = Node("""{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}""");
                    root["post_processor"] = Node("""
                        {"type": "TemplateProcessing",
                         "single": [{"SpecialToken": {"id": "<|im_start|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<|im_end|>", "type_id": 0}}],
                         "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                         "special_tokens": {"<|im_start|>": {"id": "<|im_start|>", "ids": [151644], "tokens": ["<|im_start|>"]},
                                            "<|im_end|>": {"id": "<|im_end|>", "ids": [151645], "tokens": ["<|im_end|>"]}}}
                        """);
                    foreach (var token in root["added_tokens"]!.AsArray())
                    {
                        switch ((string)token!["content"]!)
                        {
                            case "<|im_end|>":
                                token["lstrip"] = true;
                                token["rstrip"] = true;
                                break;
                            case "<|im_start|>":
                                token["single_word"] = true;
                                break;
                            case "<|endoftext|>":
                            case "<think>":
                                token["normalized"] = true;
                                break;
                        }
                    }

                    return root.ToJsonString();
                }

            case "qwen3_regex_engine":
                {
                    // Same pattern in a redundant group: not recognised as a hand-written one, so .NET's engine runs it.
                    var root = Load("qwen3");
                    var split = root["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!;
                    split["Regex"] = "(?:" + (string)split["Regex"]! + ")";
                    return root.ToJsonString();
                }

            case "kitchen_sink":
                {
                    // Components no shipped file uses, all at once, on a byte-level vocabulary.
                    var root = Load("llama3");
                    root["normalizer"] = Node("""
                        {"type": "Sequence", "normalizers": [
                          {"type": "NFKD"}, {"type": "StripAccents"}, {"type": "NFKC"}, {"type": "Lowercase"},
                          {"type": "Strip", "strip_left": true, "strip_right": true},
                          {"type": "Replace", "pattern": {"Regex": "[0-9]{4,}"}, "content": "#"},
                          {"type": "Replace", "pattern": {"String": "  "}, "content": " "}]}
                        """);
                    root["pre_tokenizer"] = Node("""
                        {"type": "Sequence", "pretokenizers": [
                          {"type": "WhitespaceSplit"},
                          {"type": "Digits", "individual_digits": true},
                          {"type": "Split", "pattern": {"String": "-"}, "behavior": "Removed", "invert": false},
                          {"type": "Split", "pattern": {"Regex": "[,.;:]"}, "behavior": "MergedWithPrevious", "invert": false},
                          {"type": "Split", "pattern": {"Regex": "[(\\[{]"}, "behavior": "MergedWithNext", "invert": false},
                          {"type": "Split", "pattern": {"Regex": "\\p{L}"}, "behavior": "Contiguous", "invert": true},
                          {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": false}]}
                        """);
                    root["post_processor"] = Node("""
                        {"type": "RobertaProcessing", "sep": ["<|end_of_text|>", 128001], "cls": ["<|begin_of_text|>", 128000],
                         "trim_offsets": true, "add_prefix_space": true}
                        """);
                    return root.ToJsonString();
                }

            case "metaspace_first":
            case "metaspace_always_split":
                {
                    var root = Load("llama2");
                    var first = variant == "metaspace_first";
                    var scheme = first ? "first" : "always";
                    root["normalizer"] = null;
                    root["pre_tokenizer"] = Node($$"""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "{{scheme}}", "split": {{(first ? "false" : "true")}}}""");
                    if (first)
                    {
                        root["decoder"] = Node("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}""");
                    }

                    return root.ToJsonString();
                }

            default:
                throw new ArgumentException("unknown variant " + variant, nameof(variant));
        }
    }

    private static JsonObject Load(string model) => JsonNode.Parse(File.ReadAllText(OracleRunner.TokenizerJson(model)))!.AsObject();

    private static JsonNode Node(string json) => JsonNode.Parse(json)!;
}
