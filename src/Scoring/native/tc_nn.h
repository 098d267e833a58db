// Neural-network building blocks of decoder LMs. Model code (which block goes where) lives in C#.
#pragma once
#include "tc_common.h"

typedef void* tc_tensor;

// Fused CPU float32 kernels (tc_kernels.h) on (1, the default) or off (0: plain ATen ops), for benchmarks.
TC_EXPORT void tc_nn_set_fused(int32_t on);
TC_EXPORT int32_t tc_nn_get_fused();
// weight [V, H], ids int64 [...] -> [..., H]
TC_EXPORT tc_tensor tc_nn_embedding(tc_tensor weight, tc_tensor ids);
// x [..., in] @ weight[out, in]^T + bias[out] (bias may be NULL)
TC_EXPORT tc_tensor tc_nn_linear(tc_tensor x, tc_tensor weight, tc_tensor bias);
// Llama-style RMSNorm: normalise in float32, cast back to x's dtype, then multiply by weight.
TC_EXPORT tc_tensor tc_nn_rms_norm(tc_tensor x, tc_tensor weight, double eps);
TC_EXPORT tc_tensor tc_nn_layer_norm(tc_tensor x, tc_tensor weight, tc_tensor bias, double eps);
// Rotary embedding, rotate-half convention: x*cos + rotate_half(x)*sin; cos/sin broadcast against x.
TC_EXPORT tc_tensor tc_nn_rotary(tc_tensor x, tc_tensor cos, tc_tensor sin);
// In place on x [rows, heads, head_dim] (any row stride): rotate-half RoPE with the rows of the cos/sin tables
// [positions, head_dim] picked by positions int64 [rows]. Returns 0, or -1 on error.
TC_EXPORT int32_t tc_nn_rotary_(tc_tensor x, tc_tensor cos_table, tc_tensor sin_table, tc_tensor positions);
// gate_up [rows, 2 * I] (a fused gate|up projection) -> silu(gate) * up, [rows, I].
TC_EXPORT tc_tensor tc_nn_swiglu(tc_tensor gate_up);
// h [rows, out] += x [rows, in] @ weight[out, in]^T + bias (bias may be NULL). Returns 0, or -1 on error.
TC_EXPORT int32_t tc_nn_linear_add_(tc_tensor h, tc_tensor x, tc_tensor weight, tc_tensor bias);
TC_EXPORT tc_tensor tc_nn_silu(tc_tensor x);
TC_EXPORT tc_tensor tc_nn_gelu_tanh(tc_tensor x);
TC_EXPORT tc_tensor tc_nn_softmax(tc_tensor x, int64_t dim);
TC_EXPORT tc_tensor tc_nn_log_softmax(tc_tensor x, int64_t dim);
// Causal self-attention over right-padded rows: q [B*L, Hq, D], k/v [B*L, Hkv, D] -> [B*L, Hq, D].
// window > 0 limits each query to the last `window` keys (sliding-window attention).
TC_EXPORT tc_tensor tc_nn_attention_padded(tc_tensor q, tc_tensor k, tc_tensor v, int64_t batch, double scale,
                                           int64_t window);
// Causal self-attention over packed variable-length segments (cu_seqlens: count+1 offsets into the rows):
// each segment attends only to itself, so the cost is sum(len^2), not (sum len)^2.
TC_EXPORT tc_tensor tc_nn_attention_packed(tc_tensor q, tc_tensor k, tc_tensor v, const int64_t* cu_seqlens,
                                           int32_t count, double scale, int64_t window);
// Per-row cross entropy (reduction none), computed in float32: logits [N, V], targets int64 [N] -> [N].
TC_EXPORT tc_tensor tc_nn_cross_entropy(tc_tensor logits, tc_tensor targets);
