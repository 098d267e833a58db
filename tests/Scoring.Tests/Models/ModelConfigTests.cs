using System.Text.Json;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;

namespace TokenClean.Scoring.Tests.Models;

public sealed class ModelConfigTests
{
    [Fact]
    public void Parse_OfALlama31StyleConfig_ReadsLlama3RopeScalingAndGqa()
    {
        var c = Parse("""
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
             "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
             "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "hidden_act": "silu",
             "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                              "original_max_position_embeddings": 8192, "rope_type": "llama3"},
             "tie_word_embeddings": false, "attention_bias": false, "mlp_bias": false}
            """);

        Assert.Equal(Architecture.Llama, c.Architecture);
        Assert.Equal((128, 8, 500000.0, "llama3", 8192), (c.HeadDim, c.NumKeyValueHeads, c.RopeTheta, c.RopeType, c.RopeOriginalMaxPositions));
        var inv = RotaryTable.InverseFrequencies(c);
        Assert.Equal(1.0f, inv[0]);                       // high frequency: unscaled
        Assert.Equal(inv[63], (float)(1.0 / Math.Pow(500000, 126.0 / 128) / 8), 1e-12f); // low frequency: divided by factor
    }

    [Fact]
    public void Parse_OfATransformers5RopeParametersConfig_ReadsThetaFromThere()
    {
        var c = Parse("""
            {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 64, "intermediate_size": 128, "head_dim": 32,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256,
             "max_position_embeddings": 512, "rms_norm_eps": 1e-06,
             "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0},
             "sliding_window": null, "layer_types": ["full_attention", "full_attention"], "max_window_layers": 0}
            """);

        Assert.Equal((1000000.0, "default", 32), (c.RopeTheta, c.RopeType, c.HeadDim));
        Assert.Equal([0, 0], c.LayerWindows);
    }

    [Fact]
    public void Parse_OfMistralWithASlidingWindow_AppliesItToEveryLayer()
    {
        var c = Parse("""
            {"architectures": ["MistralForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256,
             "max_position_embeddings": 512, "sliding_window": 4096}
            """);

        Assert.Equal([4096, 4096, 4096], c.LayerWindows);
        Assert.False(c.AttentionBias);
    }

    [Fact]
    public void Parse_OfAnUnsupportedRopeType_SaysWhichAreSupported()
    {
        var ex = Assert.Throws<CheckpointException>(() => Parse("""
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 256, "max_position_embeddings": 512,
             "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}
            """));
        Assert.Contains("'yarn' is not supported", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WithAMissingField_NamesIt()
    {
        var ex = Assert.Throws<CheckpointException>(() => Parse("""{"architectures": ["GPT2LMHeadModel"], "n_embd": 64, "n_head": 4}"""));
        Assert.Contains("'n_layer' is missing", ex.Message, StringComparison.Ordinal);
    }

    private static ModelConfig Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return ModelConfig.Parse("config.json", doc.RootElement);
    }
}
