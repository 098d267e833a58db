using System.Text.Json;
using System.Text.Json.Nodes;
using TokenClean.Scoring;
using TokenClean.Scoring.Checkpoints;
using TokenClean.Scoring.Models;

namespace TokenClean.Embedded.Models;

/// <summary>
/// Makes small random HF-format checkpoints (config.json + model.safetensors) for tests and demos, and
/// "reference" checkpoints derived from a base one by adding seeded noise.
/// </summary>
public static class RandomCheckpoint
{
    /// <summary>Writes a random checkpoint of <paramref name="recipe"/> into <paramref name="directory"/>; deterministic in the seed.</summary>
    public static ModelConfig Create(CheckpointRecipe recipe, string directory)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(directory);
        CheckStorageType(recipe.DType);
        var json = ConfigJson(recipe);
        var config = ModelConfig.Parse(Path.Combine(directory, "config.json"), JsonDocument.Parse(json.ToJsonString()).RootElement);
        var items = new List<SafetensorsWriter.Item>();
        foreach (var spec in WeightLayout.Expected(config))
        {
            long count = 1;
            foreach (var d in spec.Shape)
            {
                count *= d;
            }

            var values = new float[count];
            var rng = DeterministicNormal.For(recipe.Seed, spec.Name);
            var (mean, std) = spec.Init switch
            {
                TensorInit.NearOne => (1.0, 0.1),
                TensorInit.Normal => (0.0, 1.0 / Math.Sqrt(spec.FanIn)),
                _ => (0.0, 0.02),
            };
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)(mean + (std * rng.Next()));
            }

            items.Add(new(spec.Name, recipe.DType, spec.Shape, HalfBits.Encode(values, recipe.DType)));
        }

        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), items);
        File.WriteAllText(Path.Combine(directory, "config.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return config;
    }

    /// <summary>
    /// Copies the checkpoint in <paramref name="from"/> to <paramref name="directory"/> with every floating tensor
    /// w replaced by w + <paramref name="scale"/>·N(0, 1) (seeded), same names, shapes and dtypes.
    /// </summary>
    public static void Perturb(string from, string directory, double scale, long seed)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(directory);
        var config = ModelConfig.Load(from); // refuses what the engine could not load anyway
        _ = config;
        var items = new List<SafetensorsWriter.Item>();
        using (var files = CheckpointFiles.Open(from))
        {
            foreach (var (name, file) in files.Tensors)
            {
                var entry = file.Entries[name];
                var raw = file.RawBytes(entry);
                if (entry.DType is DType.Float32 or DType.BFloat16 or DType.Float16)
                {
                    var values = HalfBits.Decode(raw, entry.DType);
                    var rng = DeterministicNormal.For(seed, name);
                    for (var i = 0; i < values.Length; i++)
                    {
                        values[i] += (float)(scale * rng.Next());
                    }

                    items.Add(new(name, entry.DType, entry.Shape, HalfBits.Encode(values, entry.DType)));
                }
                else
                {
                    items.Add(new(name, entry.DType, entry.Shape, raw.ToArray()));
                }
            }
        }

        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), items);
        File.Copy(Path.Combine(from, "config.json"), Path.Combine(directory, "config.json"), overwrite: true);
    }

    /// <summary>The HF config.json a recipe describes.</summary>
    public static JsonObject ConfigJson(CheckpointRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        var dtypeName = recipe.DType switch
        {
            DType.BFloat16 => "bfloat16",
            DType.Float16 => "float16",
            _ => "float32",
        };
        if (recipe.Variant == "gpt2")
        {
            return new JsonObject
            {
                ["architectures"] = new JsonArray("GPT2LMHeadModel"),
                ["model_type"] = "gpt2",
                ["vocab_size"] = recipe.Vocab,
                ["n_positions"] = recipe.MaxPositions,
                ["n_embd"] = recipe.Hidden,
                ["n_layer"] = recipe.Layers,
                ["n_head"] = recipe.Heads,
                ["n_inner"] = recipe.Intermediate,
                ["activation_function"] = "gelu_new",
                ["layer_norm_epsilon"] = 1e-5,
                ["tie_word_embeddings"] = recipe.TieWordEmbeddings ?? true,
                ["torch_dtype"] = dtypeName,
            };
        }

        var (arch, type) = recipe.Variant switch
        {
            "llama" or "llama3" => ("LlamaForCausalLM", "llama"),
            "mistral" => ("MistralForCausalLM", "mistral"),
            "qwen2" => ("Qwen2ForCausalLM", "qwen2"),
            "qwen3" => ("Qwen3ForCausalLM", "qwen3"),
            _ => throw new ArgumentException($"unknown variant '{recipe.Variant}'; known: {string.Join(", ", CheckpointRecipe.Variants)}", nameof(recipe)),
        };
        var headDim = recipe.Hidden / recipe.Heads;
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(arch),
            ["model_type"] = type,
            ["vocab_size"] = recipe.Vocab,
            ["hidden_size"] = recipe.Hidden,
            ["intermediate_size"] = recipe.Intermediate,
            ["num_hidden_layers"] = recipe.Layers,
            ["num_attention_heads"] = recipe.Heads,
            ["num_key_value_heads"] = recipe.KvHeads,
            // Qwen3 decouples head_dim from hidden/heads; a different value here proves the engine reads it.
            ["head_dim"] = recipe.Variant == "qwen3" ? headDim * 2 : headDim,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = recipe.MaxPositions,
            ["rms_norm_eps"] = recipe.Variant is "qwen2" or "qwen3" ? 1e-6 : 1e-5,
            ["rope_theta"] = recipe.Variant == "llama3" ? 500000.0 : 10000.0,
            ["tie_word_embeddings"] = recipe.TieWordEmbeddings ?? recipe.Variant is "llama3" or "qwen2",
            ["torch_dtype"] = dtypeName,
        };
        if (recipe.Variant == "llama3")
        {
            // A small original context puts the tiny model's frequencies in all three llama3 bands.
            o["rope_scaling"] = new JsonObject
            {
                ["rope_type"] = "llama3",
                ["factor"] = 8.0,
                ["low_freq_factor"] = 1.0,
                ["high_freq_factor"] = 4.0,
                ["original_max_position_embeddings"] = 64,
            };
        }

        if (recipe.Variant is "llama" or "llama3" or "qwen3")
        {
            o["attention_bias"] = false;
        }

        if (recipe.Variant == "mistral")
        {
            o["sliding_window"] = 48; // short enough that test samples cross it
        }

        if (recipe.Variant is "qwen2" or "qwen3")
        {
            o["use_sliding_window"] = false;
        }

        return o;
    }

    private static void CheckStorageType(DType dtype)
    {
        if (dtype is not (DType.Float32 or DType.BFloat16 or DType.Float16))
        {
            throw new ArgumentException($"checkpoint dtype must be Float32, BFloat16 or Float16, not {dtype}", nameof(dtype));
        }
    }
}
