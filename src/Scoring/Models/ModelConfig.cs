using System.Globalization;
using System.Text.Json;
using TokenClean.Scoring.Checkpoints;

namespace TokenClean.Scoring.Models;

/// <summary>The fields of an HF <c>config.json</c> that the supported decoders use, with HF's defaults.</summary>
public sealed record ModelConfig
{
    /// <summary>HF class names accepted in <c>architectures</c>.</summary>
    public static readonly IReadOnlyDictionary<string, Architecture> SupportedArchitectures = new Dictionary<string, Architecture>(StringComparer.Ordinal)
    {
        ["LlamaForCausalLM"] = Architecture.Llama,
        ["MistralForCausalLM"] = Architecture.Mistral,
        ["Qwen2ForCausalLM"] = Architecture.Qwen2,
        ["Qwen3ForCausalLM"] = Architecture.Qwen3,
        ["GPT2LMHeadModel"] = Architecture.Gpt2,
    };

    public required Architecture Architecture { get; init; }

    public required int VocabSize { get; init; }

    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }

    public required int NumLayers { get; init; }

    public required int NumHeads { get; init; }

    public required int NumKeyValueHeads { get; init; }

    public required int HeadDim { get; init; }

    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>rms_norm_eps (Llama family) or layer_norm_epsilon (GPT-2).</summary>
    public required double NormEps { get; init; }

    public required bool TieWordEmbeddings { get; init; }

    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>"default", "linear" or "llama3".</summary>
    public string RopeType { get; init; } = "default";

    public double RopeFactor { get; init; } = 1.0;

    public double RopeLowFreqFactor { get; init; } = 1.0;

    public double RopeHighFreqFactor { get; init; } = 4.0;

    public int RopeOriginalMaxPositions { get; init; } = 8192;

    public bool AttentionBias { get; init; }

    public bool MlpBias { get; init; }

    /// <summary>Sliding-window size per layer (0 = full causal attention).</summary>
    public int[] LayerWindows { get; init; } = [];

    /// <summary>GPT-2's scale_attn_by_inverse_layer_idx.</summary>
    public bool ScaleAttnByInverseLayerIdx { get; init; }

    /// <summary>Reads <c>config.json</c> from <paramref name="directory"/>; refuses unknown architectures and activations.</summary>
    public static ModelConfig Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var path = Path.Combine(directory, "config.json");
        if (!File.Exists(path))
        {
            throw new CheckpointException($"{path}: missing");
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return Parse(path, doc.RootElement);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"{path}: not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses a config.json root object; <paramref name="path"/> names it in errors.</summary>
    public static ModelConfig Parse(string path, JsonElement root)
    {
        var archName = root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array && archs.GetArrayLength() > 0
            ? archs[0].GetString() ?? ""
            : "";
        if (!SupportedArchitectures.TryGetValue(archName, out var arch))
        {
            throw new CheckpointException($"{path}: architecture '{archName}' is not supported; supported: {string.Join(", ", SupportedArchitectures.Keys)}");
        }

        var r = new Reader(path, root);
        return arch == Architecture.Gpt2 ? ParseGpt2(r) : ParseLlamaFamily(r, arch);
    }

    private static ModelConfig ParseGpt2(Reader r)
    {
        var act = r.Str("activation_function", "gelu_new");
        if (act is not ("gelu_new" or "gelu_pytorch_tanh"))
        {
            throw new CheckpointException($"{r.Path}: activation_function '{act}' is not supported for GPT-2 (gelu_new, gelu_pytorch_tanh)");
        }

        var hidden = r.Int("n_embd");
        var heads = r.Int("n_head");
        CheckDivisible(r.Path, hidden, heads);
        var layers = r.Int("n_layer");
        return new ModelConfig
        {
            Architecture = Architecture.Gpt2,
            VocabSize = r.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.OptInt("n_inner") ?? 4 * hidden,
            NumLayers = layers,
            NumHeads = heads,
            NumKeyValueHeads = heads,
            HeadDim = hidden / heads,
            MaxPositionEmbeddings = r.Int("n_positions"),
            NormEps = r.Double("layer_norm_epsilon", 1e-5),
            TieWordEmbeddings = r.Bool("tie_word_embeddings", true),
            ScaleAttnByInverseLayerIdx = r.Bool("scale_attn_by_inverse_layer_idx", false),
            LayerWindows = new int[layers],
        };
    }

    private static ModelConfig ParseLlamaFamily(Reader r, Architecture arch)
    {
        var act = r.Str("hidden_act", "silu");
        if (act != "silu")
        {
            throw new CheckpointException($"{r.Path}: hidden_act '{act}' is not supported (silu)");
        }

        var hidden = r.Int("hidden_size");
        var heads = r.Int("num_attention_heads");
        var kvHeads = r.OptInt("num_key_value_heads") ?? heads;
        if (kvHeads <= 0 || heads % kvHeads != 0)
        {
            throw new CheckpointException($"{r.Path}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        }

        var headDim = r.OptInt("head_dim") ?? (arch == Architecture.Qwen3 ? 128 : hidden / heads);
        if (!r.Has("head_dim"))
        {
            CheckDivisible(r.Path, hidden, heads);
        }

        if (headDim % 2 != 0)
        {
            throw new CheckpointException($"{r.Path}: head_dim {headDim} must be even for rotary embeddings");
        }

        // transformers ≥ 5 nests theta and scaling in rope_parameters; older files use rope_theta + rope_scaling.
        var rope = r.Obj("rope_scaling") ?? r.Obj("rope_parameters");
        var theta = r.OptDouble("rope_theta") ?? (rope is { } rp && rp.TryGetProperty("rope_theta", out var t) ? t.GetDouble() : 10000.0);
        var ropeType = "default";
        double factor = 1, low = 1, high = 4;
        var original = 8192;
        if (rope is { } s)
        {
            ropeType = (s.TryGetProperty("rope_type", out var rt) ? rt.GetString() : s.TryGetProperty("type", out var ty) ? ty.GetString() : null) ?? "default";
            if (ropeType is not ("default" or "linear" or "llama3"))
            {
                throw new CheckpointException($"{r.Path}: rope type '{ropeType}' is not supported (default, linear, llama3)");
            }

            factor = s.TryGetProperty("factor", out var f) ? f.GetDouble() : 1.0;
            low = s.TryGetProperty("low_freq_factor", out var lf) ? lf.GetDouble() : 1.0;
            high = s.TryGetProperty("high_freq_factor", out var hf) ? hf.GetDouble() : 4.0;
            original = s.TryGetProperty("original_max_position_embeddings", out var om) ? om.GetInt32() : 8192;
        }

        var layers = r.Int("num_hidden_layers");
        return new ModelConfig
        {
            Architecture = arch,
            VocabSize = r.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.Int("intermediate_size"),
            NumLayers = layers,
            NumHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = r.Int("max_position_embeddings"),
            NormEps = r.Double("rms_norm_eps", 1e-6),
            TieWordEmbeddings = r.Bool("tie_word_embeddings", false),
            RopeTheta = theta,
            RopeType = ropeType,
            RopeFactor = factor,
            RopeLowFreqFactor = low,
            RopeHighFreqFactor = high,
            RopeOriginalMaxPositions = original,
            AttentionBias = arch == Architecture.Qwen2 || (arch != Architecture.Mistral && r.Bool("attention_bias", false)),
            MlpBias = arch == Architecture.Llama && r.Bool("mlp_bias", false),
            LayerWindows = LayerWindowsOf(r, arch, layers),
        };
    }

    private static int[] LayerWindowsOf(Reader r, Architecture arch, int layers)
    {
        var windows = new int[layers];
        var window = r.OptInt("sliding_window", allowZero: true) ?? 0;
        if (window <= 0)
        {
            return windows;
        }

        if (r.Root.TryGetProperty("layer_types", out var types) && types.ValueKind == JsonValueKind.Array)
        {
            for (var i = 0; i < layers && i < types.GetArrayLength(); i++)
            {
                windows[i] = types[i].GetString() == "sliding_attention" ? window : 0;
            }

            return windows;
        }

        // Older configs: Mistral slides everywhere; Qwen2/3 only with use_sliding_window, from max_window_layers on.
        var slides = arch == Architecture.Mistral || r.Bool("use_sliding_window", false);
        var from = arch == Architecture.Mistral ? 0 : r.OptInt("max_window_layers", allowZero: true) ?? 0;
        for (var i = 0; i < layers; i++)
        {
            windows[i] = slides && i >= from ? window : 0;
        }

        return windows;
    }

    private static void CheckDivisible(string path, int hidden, int heads)
    {
        if (heads <= 0 || hidden % heads != 0)
        {
            throw new CheckpointException($"{path}: hidden size {hidden} is not divisible by {heads} heads");
        }
    }

    private readonly record struct Reader(string Path, JsonElement Root)
    {
        public bool Has(string name) => Root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

        public int Int(string name) => OptInt(name) ?? throw new CheckpointException($"{Path}: '{name}' is missing");

        public int? OptInt(string name, bool allowZero = false)
        {
            if (!Root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && (i > 0 || (allowZero && i == 0))
                ? i
                : throw new CheckpointException($"{Path}: '{name}' must be a {(allowZero ? "non-negative" : "positive")} integer, got {v.GetRawText()}");
        }

        public double? OptDouble(string name) =>
            Root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

        public double Double(string name, double fallback) => OptDouble(name) ?? fallback;

        public bool Bool(string name, bool fallback) =>
            Root.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

        public string Str(string name, string fallback) =>
            Root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;

        public JsonElement? Obj(string name) =>
            Root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;
    }

    /// <summary>One line: architecture and sizes.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Architecture} L{NumLayers} H{HiddenSize} heads {NumHeads}/{NumKeyValueHeads} vocab {VocabSize}");
}
