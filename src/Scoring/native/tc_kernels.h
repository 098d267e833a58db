// Fused CPU float32 kernels for libtorch builds without fused attention (Debian's 1.13): one parallel region per
// op instead of a dozen small ATen passes, each thread working on cache-sized tiles with single-threaded BLAS.
// Not exported; tc_nn.cpp chooses them when they apply and falls back to plain ATen ops otherwise.
#pragma once
#include <ATen/ATen.h>

#include <vector>

namespace tc {
struct Segment {
  int64_t start;
  int64_t length;
};

// Switch for benchmarks and diagnostics: off = every op takes its plain ATen path.
void set_fused_kernels(bool on);
bool fused_kernels();

// y [N, out] (= or +=) x [N, in] @ weight[out, in]^T (+ bias), CPU float32: row or column blocks per thread, each
// a single-threaded BLAS call. accumulate: y += x W^T (bias, if any, is left to the caller).
bool fused_linear_applies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor* bias);
void fused_linear_into(const at::Tensor& x, const at::Tensor& weight, const at::Tensor* bias, at::Tensor& y,
                       bool accumulate);

// True when q/k/v are CPU float32 tensors and a CBLAS sgemm was found in the process (OpenBLAS or MKL).
bool fused_attention_applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v);

// Causal attention within each segment: q [N, Hq, D], k/v [N, Hkv, D] (any row stride, [H, D] contiguous)
// -> [N, Hq, D]. Scores = scale * q k^T in float32, softmax in float32, window > 0 = sliding window.
at::Tensor fused_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           const std::vector<Segment>& segments, double scale, int64_t window);

// Llama RMSNorm in one pass per row: weight * (x * rsqrt(mean(x^2) + eps)) for CPU float32 [..., H].
bool fused_rms_norm_applies(const at::Tensor& x, const at::Tensor& weight);
at::Tensor fused_rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);

// In-place rotate-half RoPE of x [N, H, D] (any row stride, [H, D] contiguous) with table rows cos/sin [P, D]
// picked by positions int64 [N]. CPU float32 only.
bool fused_rotary_applies(const at::Tensor& x, const at::Tensor& table);
void fused_rotary_(at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& positions);

// Per-row cross entropy of CPU float32 logits [N, V] (rows may be strided) and int64 targets [N] -> [N].
bool fused_cross_entropy_applies(const at::Tensor& logits);
at::Tensor fused_cross_entropy(const at::Tensor& logits, const at::Tensor& targets);

// SwiGLU of a fused gate|up projection: gu [N, 2I] -> silu(gu[:, :I]) * gu[:, I:] as [N, I]. CPU float32.
bool fused_swiglu_applies(const at::Tensor& gu);
at::Tensor fused_swiglu(const at::Tensor& gu);
}  // namespace tc
