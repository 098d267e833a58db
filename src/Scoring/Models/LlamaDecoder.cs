namespace TokenClean.Scoring.Models;

/// <summary>
/// Llama, Mistral, Qwen2 and Qwen3: pre-norm RMSNorm blocks, rotary attention with GQA, SwiGLU MLP.
/// Follows HF's modeling_llama / modeling_qwen3 (q_norm/k_norm per head before RoPE).
/// </summary>
/// <remarks>
/// q/k/v and gate/up projections are fused at load (one GEMM each over the normed input); RoPE rotates the q and k
/// views of the fused projection in place; o_proj and down_proj add into the residual stream inside their GEMM.
/// </remarks>
internal sealed class LlamaDecoder : IDecoder
{
    private readonly ModelConfig _c;
    private readonly long _mlpChunkBytes;
    private readonly ModelWeights _w;
    private readonly RotaryTable _rope;
    private readonly double _scale;

    public LlamaDecoder(ModelConfig config, ModelWeights weights, DType dtype, string device, long mlpChunkBytes)
    {
        _c = config;
        _mlpChunkBytes = mlpChunkBytes;
        _w = weights;
        _rope = new RotaryTable(config, dtype, device);
        _scale = 1.0 / Math.Sqrt(config.HeadDim);
        for (var i = 0; i < config.NumLayers; i++)
        {
            var p = $"model.layers.{i}.";
            weights.Fuse(p + "self_attn.qkv_proj", p + "self_attn.q_proj", p + "self_attn.k_proj", p + "self_attn.v_proj");
            weights.Fuse(p + "mlp.gate_up_proj", p + "mlp.gate_proj", p + "mlp.up_proj");
        }
    }

    public Tensor LmHead => _w.Optional("lm_head.weight") ?? _w["model.embed_tokens.weight"];

    public Tensor Forward(Tensor ids, Tensor positions, int maxPosition, AttentionLayout layout)
    {
        var n = ids.Size(0);
        var h = _w["model.embed_tokens.weight"].Embedding(ids);
        for (var i = 0; i < _c.NumLayers; i++)
        {
            using var layerScope = TensorScope.Begin();
            Layer(i, h, n, positions, maxPosition, layout);
        }

        return h.RmsNorm(_w["model.norm.weight"], _c.NormEps);
    }

    // Updates the residual stream h [n, hidden] in place.
    private void Layer(int i, Tensor h, long n, Tensor positions, int maxPosition, AttentionLayout layout)
    {
        var p = $"model.layers.{i}.";
        var eps = _c.NormEps;
        long qDim = (long)_c.NumHeads * _c.HeadDim, kvDim = (long)_c.NumKeyValueHeads * _c.HeadDim;
        Tensor a;
        using (TensorScope.Begin())
        {
            // Attention's intermediates (normed input, the qkv projection and its views) are freed on leaving this
            // scope, before the MLP allocates: a lower peak means fewer fresh pages per call.
            var x = h.RmsNorm(_w[p + "input_layernorm.weight"], eps);
            var qkv = x.Linear(_w[p + "self_attn.qkv_proj.weight"], _w.Optional(p + "self_attn.qkv_proj.bias"));
            var q = qkv.Narrow(1, 0, qDim).Reshape(n, _c.NumHeads, _c.HeadDim);
            var k = qkv.Narrow(1, qDim, kvDim).Reshape(n, _c.NumKeyValueHeads, _c.HeadDim);
            var v = qkv.Narrow(1, qDim + kvDim, kvDim).Reshape(n, _c.NumKeyValueHeads, _c.HeadDim);
            if (_c.Architecture == Architecture.Qwen3)
            {
                q = q.RmsNorm(_w[p + "self_attn.q_norm.weight"], eps);
                k = k.RmsNorm(_w[p + "self_attn.k_norm.weight"], eps);
            }

            _rope.Apply(q, positions, maxPosition);
            _rope.Apply(k, positions, maxPosition);
            a = layout.Attend(q, k, v, _scale, _c.LayerWindows[i]).Reshape(n, qDim).MoveToOuterScope();
        }

        h.LinearAddInPlace(a, _w[p + "self_attn.o_proj.weight"], _w.Optional(p + "self_attn.o_proj.bias"));
        a.Dispose();
        var x2 = h.RmsNorm(_w[p + "post_attention_layernorm.weight"], eps);

        // The MLP in row chunks whose [rows, 2 * intermediate] gate|up stays under glibc's 32 MiB mmap threshold, so it
        // is reused from the heap instead of being mapped (and page-faulted) afresh in every layer.
        var rows = Math.Max(64, _mlpChunkBytes / (8L * _c.IntermediateSize));
        for (long r = 0; r < n; r += rows)
        {
            var len = Math.Min(rows, n - r);
            var xr = len == n ? x2 : x2.Narrow(0, r, len);
            var hr = len == n ? h : h.Narrow(0, r, len);
            var gateUp = xr.Linear(_w[p + "mlp.gate_up_proj.weight"], _w.Optional(p + "mlp.gate_up_proj.bias"));
            var act = gateUp.SwiGlu();
            gateUp.Dispose();
            hr.LinearAddInPlace(act, _w[p + "mlp.down_proj.weight"], _w.Optional(p + "mlp.down_proj.bias"));
            act.Dispose();
        }
    }

    public void Dispose()
    {
        _rope.Dispose();
        _w.Dispose();
    }
}
