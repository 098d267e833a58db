namespace TokenClean.Scoring.Models;

/// <summary>
/// Llama, Mistral, Qwen2 and Qwen3: pre-norm RMSNorm blocks, rotary attention with GQA, SwiGLU MLP.
/// Follows HF's modeling_llama / modeling_qwen3 (q_norm/k_norm per head before RoPE).
/// </summary>
internal sealed class LlamaDecoder : IDecoder
{
    private readonly ModelConfig _c;
    private readonly ModelWeights _w;
    private readonly RotaryTable _rope;
    private readonly double _scale;

    public LlamaDecoder(ModelConfig config, ModelWeights weights, DType dtype, string device)
    {
        _c = config;
        _w = weights;
        _rope = new RotaryTable(config, dtype, device);
        _scale = 1.0 / Math.Sqrt(config.HeadDim);
    }

    public Tensor LmHead => _w.Optional("lm_head.weight") ?? _w["model.embed_tokens.weight"];

    public Tensor Forward(Tensor ids, Tensor positions, int maxPosition, AttentionLayout layout)
    {
        var n = ids.Size(0);
        var (cos, sin) = _rope.Lookup(positions, maxPosition);
        var h = _w["model.embed_tokens.weight"].Embedding(ids);
        for (var i = 0; i < _c.NumLayers; i++)
        {
            using var layerScope = TensorScope.Begin();
            var next = Layer(i, h, n, cos, sin, layout).MoveToOuterScope();
            layerScope.Dispose();
            h.Dispose();
            h = next;
        }

        return h.RmsNorm(_w["model.norm.weight"], _c.NormEps);
    }

    private Tensor Layer(int i, Tensor h, long n, Tensor cos, Tensor sin, AttentionLayout layout)
    {
        var p = $"model.layers.{i}.";
        var eps = _c.NormEps;
        var x = h.RmsNorm(_w[p + "input_layernorm.weight"], eps);
        var q = x.Linear(_w[p + "self_attn.q_proj.weight"], _w.Optional(p + "self_attn.q_proj.bias")).Reshape(n, _c.NumHeads, _c.HeadDim);
        var k = x.Linear(_w[p + "self_attn.k_proj.weight"], _w.Optional(p + "self_attn.k_proj.bias")).Reshape(n, _c.NumKeyValueHeads, _c.HeadDim);
        var v = x.Linear(_w[p + "self_attn.v_proj.weight"], _w.Optional(p + "self_attn.v_proj.bias")).Reshape(n, _c.NumKeyValueHeads, _c.HeadDim);
        if (_c.Architecture == Architecture.Qwen3)
        {
            q = q.RmsNorm(_w[p + "self_attn.q_norm.weight"], eps);
            k = k.RmsNorm(_w[p + "self_attn.k_norm.weight"], eps);
        }

        q = q.Rotary(cos, sin);
        k = k.Rotary(cos, sin);
        var a = layout.Attend(q, k, v, _scale, _c.LayerWindows[i])
            .Reshape(n, (long)_c.NumHeads * _c.HeadDim)
            .Linear(_w[p + "self_attn.o_proj.weight"], _w.Optional(p + "self_attn.o_proj.bias"));
        h = h.Add(a);
        x = h.RmsNorm(_w[p + "post_attention_layernorm.weight"], eps);
        var gate = x.Linear(_w[p + "mlp.gate_proj.weight"], _w.Optional(p + "mlp.gate_proj.bias")).Silu();
        var up = x.Linear(_w[p + "mlp.up_proj.weight"], _w.Optional(p + "mlp.up_proj.bias"));
        var m = gate.Mul(up).Linear(_w[p + "mlp.down_proj.weight"], _w.Optional(p + "mlp.down_proj.bias"));
        return h.Add(m);
    }

    public void Dispose()
    {
        _rope.Dispose();
        _w.Dispose();
    }
}
