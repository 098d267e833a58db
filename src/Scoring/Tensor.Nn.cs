using TokenClean.Scoring.Native;

namespace TokenClean.Scoring;

/// <summary>Neural-network ops of decoder LMs (native <c>tc_nn_*</c>).</summary>
public sealed partial class Tensor
{
    /// <summary>Rows of this [V, H] weight for int64 <paramref name="ids"/>.</summary>
    public Tensor Embedding(Tensor ids) => Wrap(NativeMethods.NnEmbedding(Handle, H(ids)));

    /// <summary>this [..., in] · weight[out, in]ᵀ + bias.</summary>
    public Tensor Linear(Tensor weight, Tensor? bias = null) => Wrap(NativeMethods.NnLinear(Handle, H(weight), HOrNull(bias)));

    /// <summary>Llama RMSNorm: normalised in float32, cast back, times <paramref name="weight"/>.</summary>
    public Tensor RmsNorm(Tensor weight, double eps) => Wrap(NativeMethods.NnRmsNorm(Handle, H(weight), eps));

    public Tensor LayerNorm(Tensor? weight, Tensor? bias, double eps) =>
        Wrap(NativeMethods.NnLayerNorm(Handle, HOrNull(weight), HOrNull(bias), eps));

    /// <summary>Rotary embedding, rotate-half convention; <paramref name="cos"/>/<paramref name="sin"/> broadcast.</summary>
    public Tensor Rotary(Tensor cos, Tensor sin) => Wrap(NativeMethods.NnRotary(Handle, H(cos), H(sin)));

    /// <summary>
    /// Rotates this [N, heads, head_dim] tensor in place (rotate-half RoPE) with the rows of the cos/sin tables
    /// [P, head_dim] picked by int64 <paramref name="positions"/> [N]. Works on strided row views.
    /// </summary>
    public void RotaryInPlace(Tensor cosTable, Tensor sinTable, Tensor positions) =>
        TorchException.ThrowIfFailed(NativeMethods.NnRotaryInPlace(Handle, H(cosTable), H(sinTable), H(positions)));

    /// <summary>silu(gate) · up of a fused [N, 2·I] gate|up projection, as [N, I].</summary>
    public Tensor SwiGlu() => Wrap(NativeMethods.NnSwiGlu(Handle));

    /// <summary>this [N, out] += x [N, in] · weight[out, in]ᵀ + bias, in place (the residual add inside the GEMM).</summary>
    public void LinearAddInPlace(Tensor x, Tensor weight, Tensor? bias = null) =>
        TorchException.ThrowIfFailed(NativeMethods.NnLinearAddInPlace(Handle, H(x), H(weight), HOrNull(bias)));

    public Tensor Silu() => Wrap(NativeMethods.NnSilu(Handle));

    /// <summary>GELU, tanh approximation (GPT-2's gelu_new).</summary>
    public Tensor GeluTanh() => Wrap(NativeMethods.NnGeluTanh(Handle));

    public Tensor Softmax(long dim) => Wrap(NativeMethods.NnSoftmax(Handle, dim));

    public Tensor LogSoftmax(long dim) => Wrap(NativeMethods.NnLogSoftmax(Handle, dim));

    /// <summary>Causal attention over right-padded rows: q [B·L, Hq, D], k/v [B·L, Hkv, D].</summary>
    public static Tensor AttentionPadded(Tensor q, Tensor k, Tensor v, long batch, double scale, long window = 0) =>
        Wrap(NativeMethods.NnAttentionPadded(H(q), H(k), H(v), batch, scale, window));

    /// <summary>Causal attention within each packed segment (<paramref name="cuSeqlens"/>: segments + 1 offsets).</summary>
    public static unsafe Tensor AttentionPacked(Tensor q, Tensor k, Tensor v, ReadOnlySpan<long> cuSeqlens, double scale, long window = 0)
    {
        fixed (long* p = cuSeqlens)
        {
            return Wrap(NativeMethods.NnAttentionPacked(H(q), H(k), H(v), p, cuSeqlens.Length - 1, scale, window));
        }
    }

    /// <summary>Per-row cross entropy in float32 (reduction none): this [N, V] logits, int64 targets [N].</summary>
    public Tensor CrossEntropy(Tensor targets) => Wrap(NativeMethods.NnCrossEntropy(Handle, H(targets)));
}
