namespace TokenClean.Scoring.Models;

/// <summary>The tensors (names and stored shapes) each architecture's HF checkpoint holds.</summary>
public static class WeightLayout
{
    /// <summary>Prefix save_pretrained gives GPT-2 weights; original GPT-2 files omit it.</summary>
    public const string Gpt2Prefix = "transformer.";

    /// <summary>Every tensor the decoder reads, in checkpoint naming (GPT-2 with <see cref="Gpt2Prefix"/>).</summary>
    public static IReadOnlyList<TensorSpec> Expected(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Architecture == Architecture.Gpt2 ? Gpt2(config) : LlamaFamily(config);
    }

    private static List<TensorSpec> LlamaFamily(ModelConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, inter = c.IntermediateSize;
        var specs = new List<TensorSpec> { new("model.embed_tokens.weight", [c.VocabSize, h], TensorInit.Normal, h) };
        var oBias = c.AttentionBias && c.Architecture != Architecture.Qwen2;
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"model.layers.{i}.";
            specs.Add(new(p + "input_layernorm.weight", [h], TensorInit.NearOne));
            specs.Add(new(p + "self_attn.q_proj.weight", [q, h], TensorInit.Normal, h));
            specs.Add(new(p + "self_attn.k_proj.weight", [kv, h], TensorInit.Normal, h));
            specs.Add(new(p + "self_attn.v_proj.weight", [kv, h], TensorInit.Normal, h));
            specs.Add(new(p + "self_attn.o_proj.weight", [h, q], TensorInit.Normal, q));
            if (c.AttentionBias)
            {
                specs.Add(new(p + "self_attn.q_proj.bias", [q], TensorInit.SmallBias));
                specs.Add(new(p + "self_attn.k_proj.bias", [kv], TensorInit.SmallBias));
                specs.Add(new(p + "self_attn.v_proj.bias", [kv], TensorInit.SmallBias));
            }

            if (oBias)
            {
                specs.Add(new(p + "self_attn.o_proj.bias", [h], TensorInit.SmallBias));
            }

            if (c.Architecture == Architecture.Qwen3)
            {
                specs.Add(new(p + "self_attn.q_norm.weight", [c.HeadDim], TensorInit.NearOne));
                specs.Add(new(p + "self_attn.k_norm.weight", [c.HeadDim], TensorInit.NearOne));
            }

            specs.Add(new(p + "post_attention_layernorm.weight", [h], TensorInit.NearOne));
            specs.Add(new(p + "mlp.gate_proj.weight", [inter, h], TensorInit.Normal, h));
            specs.Add(new(p + "mlp.up_proj.weight", [inter, h], TensorInit.Normal, h));
            specs.Add(new(p + "mlp.down_proj.weight", [h, inter], TensorInit.Normal, inter));
            if (c.MlpBias)
            {
                specs.Add(new(p + "mlp.gate_proj.bias", [inter], TensorInit.SmallBias));
                specs.Add(new(p + "mlp.up_proj.bias", [inter], TensorInit.SmallBias));
                specs.Add(new(p + "mlp.down_proj.bias", [h], TensorInit.SmallBias));
            }
        }

        specs.Add(new("model.norm.weight", [h], TensorInit.NearOne));
        if (!c.TieWordEmbeddings)
        {
            specs.Add(new("lm_head.weight", [c.VocabSize, h], TensorInit.Normal, h));
        }

        return specs;
    }

    private static List<TensorSpec> Gpt2(ModelConfig c)
    {
        long h = c.HiddenSize, inter = c.IntermediateSize;
        const string t = Gpt2Prefix;
        var specs = new List<TensorSpec>
        {
            new(t + "wte.weight", [c.VocabSize, h], TensorInit.Normal, h),
            new(t + "wpe.weight", [c.MaxPositionEmbeddings, h], TensorInit.Normal, h),
        };
        for (var i = 0; i < c.NumLayers; i++)
        {
            var p = $"{t}h.{i}.";
            // Conv1D stores weights as [in, out].
            specs.Add(new(p + "ln_1.weight", [h], TensorInit.NearOne));
            specs.Add(new(p + "ln_1.bias", [h], TensorInit.SmallBias));
            specs.Add(new(p + "attn.c_attn.weight", [h, 3 * h], TensorInit.Normal, h));
            specs.Add(new(p + "attn.c_attn.bias", [3 * h], TensorInit.SmallBias));
            specs.Add(new(p + "attn.c_proj.weight", [h, h], TensorInit.Normal, h));
            specs.Add(new(p + "attn.c_proj.bias", [h], TensorInit.SmallBias));
            specs.Add(new(p + "ln_2.weight", [h], TensorInit.NearOne));
            specs.Add(new(p + "ln_2.bias", [h], TensorInit.SmallBias));
            specs.Add(new(p + "mlp.c_fc.weight", [h, inter], TensorInit.Normal, h));
            specs.Add(new(p + "mlp.c_fc.bias", [inter], TensorInit.SmallBias));
            specs.Add(new(p + "mlp.c_proj.weight", [inter, h], TensorInit.Normal, inter));
            specs.Add(new(p + "mlp.c_proj.bias", [h], TensorInit.SmallBias));
        }

        specs.Add(new(t + "ln_f.weight", [h], TensorInit.NearOne));
        specs.Add(new(t + "ln_f.bias", [h], TensorInit.SmallBias));
        if (!c.TieWordEmbeddings)
        {
            specs.Add(new("lm_head.weight", [c.VocabSize, h], TensorInit.Normal, h));
        }

        return specs;
    }
}
