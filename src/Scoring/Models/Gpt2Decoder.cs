namespace TokenClean.Scoring.Models;

/// <summary>
/// GPT-2 (HF modeling_gpt2): learned positions, pre-norm LayerNorm blocks, fused c_attn, gelu_new MLP.
/// Conv1D weights were transposed to [out, in] on load.
/// </summary>
internal sealed class Gpt2Decoder : IDecoder
{
    private const string T = WeightLayout.Gpt2Prefix;
    private readonly ModelConfig _c;
    private readonly ModelWeights _w;

    public Gpt2Decoder(ModelConfig config, ModelWeights weights)
    {
        _c = config;
        _w = weights;
    }

    public Tensor LmHead => _w.Optional("lm_head.weight") ?? _w[T + "wte.weight"];

    public Tensor Forward(Tensor ids, Tensor positions, int maxPosition, AttentionLayout layout)
    {
        var n = ids.Size(0);
        var h = _w[T + "wte.weight"].Embedding(ids).Add(_w[T + "wpe.weight"].Embedding(positions));
        for (var i = 0; i < _c.NumLayers; i++)
        {
            using var layerScope = TensorScope.Begin();
            var next = Layer(i, h, n, layout).MoveToOuterScope();
            layerScope.Dispose();
            h.Dispose();
            h = next;
        }

        return h.LayerNorm(_w[T + "ln_f.weight"], _w[T + "ln_f.bias"], _c.NormEps);
    }

    private Tensor Layer(int i, Tensor h, long n, AttentionLayout layout)
    {
        var p = $"{T}h.{i}.";
        long hidden = _c.HiddenSize;
        var scale = 1.0 / Math.Sqrt(_c.HeadDim);
        if (_c.ScaleAttnByInverseLayerIdx)
        {
            scale /= i + 1;
        }

        var x = h.LayerNorm(_w[p + "ln_1.weight"], _w[p + "ln_1.bias"], _c.NormEps);
        var qkv = x.Linear(_w[p + "attn.c_attn.weight"], _w[p + "attn.c_attn.bias"]);
        var q = qkv.Narrow(1, 0, hidden).Reshape(n, _c.NumHeads, _c.HeadDim);
        var k = qkv.Narrow(1, hidden, hidden).Reshape(n, _c.NumHeads, _c.HeadDim);
        var v = qkv.Narrow(1, 2 * hidden, hidden).Reshape(n, _c.NumHeads, _c.HeadDim);
        var a = layout.Attend(q, k, v, scale, 0)
            .Reshape(n, hidden)
            .Linear(_w[p + "attn.c_proj.weight"], _w[p + "attn.c_proj.bias"]);
        h = h.Add(a);
        x = h.LayerNorm(_w[p + "ln_2.weight"], _w[p + "ln_2.bias"], _c.NormEps);
        var m = x.Linear(_w[p + "mlp.c_fc.weight"], _w[p + "mlp.c_fc.bias"]).GeluTanh()
            .Linear(_w[p + "mlp.c_proj.weight"], _w[p + "mlp.c_proj.bias"]);
        return h.Add(m);
    }

    public void Dispose() => _w.Dispose();
}
