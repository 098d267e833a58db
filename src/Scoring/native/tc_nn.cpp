#include "tc_nn.h"

#include <torch/version.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "tc_internal.h"
#include "tc_kernels.h"

using tc::deref;
using tc::wrap;

namespace {
// q [B, Hq, L, D], k/v [B, Hkv, L, D] -> [B, Hq, L, D]
at::Tensor causal_attention(at::Tensor q, at::Tensor k, at::Tensor v, double scale, int64_t window) {
  const int64_t hq = q.size(1), hkv = k.size(1), len = q.size(2);
  if (hkv <= 0 || hq % hkv != 0)
    throw std::invalid_argument("query heads (" + std::to_string(hq) + ") must be a multiple of key/value heads (" +
                                std::to_string(hkv) + ")");
  if (hq != hkv) {
    k = k.repeat_interleave(hq / hkv, 1);
    v = v.repeat_interleave(hq / hkv, 1);
  }
  const bool windowed = window > 0 && window < len;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  if (!windowed) return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true, scale);
#endif
  // Eager path (libtorch 1.13 has no fused attention), in blocks of queries: block b only multiplies the keys it
  // can see (causal, and the window), so the work is about half of the full square, and each block's scores stay
  // small enough for the cache. Scores in the compute dtype, softmax in float32 as HF's eager attention does.
  // 256-query blocks measured fastest on 2 cores; contiguous [B, H, L, D] operands let BLAS skip a copy per block.
  constexpr int64_t kBlock = 256;
  k = k.contiguous();
  v = v.contiguous();
  at::Tensor scaled_q = (q * scale).contiguous();
  at::Tensor out = at::empty_like(scaled_q);
  auto index_opts = at::TensorOptions().dtype(at::kLong).device(q.device());
  for (int64_t qs = 0; qs < len; qs += kBlock) {
    const int64_t qe = std::min(len, qs + kBlock);
    const int64_t ks = windowed ? std::max<int64_t>(0, qs - window + 1) : 0;
    at::Tensor scores = at::matmul(scaled_q.narrow(2, qs, qe - qs), k.narrow(2, ks, qe - ks).transpose(-2, -1));
    at::Tensor qi = at::arange(qs, qe, index_opts).unsqueeze(1);
    at::Tensor kj = at::arange(ks, qe, index_opts).unsqueeze(0);
    at::Tensor masked = kj > qi;
    if (windowed) masked = masked.logical_or(qi - kj >= window);
    scores.masked_fill_(masked, -std::numeric_limits<float>::infinity());
    at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
    out.narrow(2, qs, qe - qs).copy_(at::matmul(probs, v.narrow(2, ks, qe - ks)));
  }
  return out;
}

void check_qkv(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3)
    throw std::invalid_argument("attention expects q, k, v of shape [rows, heads, head_dim]");
  if (k.sizes() != v.sizes() || q.size(0) != k.size(0) || q.size(2) != k.size(2))
    throw std::invalid_argument("attention: q, k, v shapes do not agree");
}
}  // namespace

TC_EXPORT void tc_nn_set_fused(int32_t on) { tc::set_fused_kernels(on != 0); }

TC_EXPORT int32_t tc_nn_get_fused() { return tc::fused_kernels() ? 1 : 0; }

TC_EXPORT tc_tensor tc_nn_embedding(tc_tensor weight, tc_tensor ids) {
  TC_OP_TRY
  return wrap(at::embedding(deref(weight), deref(ids)));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_linear(tc_tensor x, tc_tensor weight, tc_tensor bias) {
  TC_OP_TRY
  auto &in = deref(x), &w = deref(weight);
  const at::Tensor* bp = bias != nullptr ? &deref(bias) : nullptr;
  if (tc::fused_linear_applies(in, w, bp)) {
    at::Tensor y = at::empty({in.size(0), w.size(0)}, in.options());
    tc::fused_linear_into(in, w, bp, y, /*accumulate=*/false);
    return wrap(std::move(y));
  }
  c10::optional<at::Tensor> b;
  if (bp != nullptr) b = *bp;
  return wrap(at::linear(in, w, b));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_rms_norm(tc_tensor x, tc_tensor weight, double eps) {
  TC_OP_TRY
  auto& in = deref(x);
  if (tc::fused_rms_norm_applies(in, deref(weight))) return wrap(tc::fused_rms_norm(in, deref(weight), eps));
  at::Tensor h = in.to(at::kFloat);
  at::Tensor variance = h.pow(2).mean(-1, /*keepdim=*/true);
  h = h * at::rsqrt(variance + eps);
  return wrap(deref(weight) * h.to(in.scalar_type()));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_layer_norm(tc_tensor x, tc_tensor weight, tc_tensor bias, double eps) {
  TC_OP_TRY
  auto& in = deref(x);
  c10::optional<at::Tensor> w, b;
  if (weight != nullptr) w = deref(weight);
  if (bias != nullptr) b = deref(bias);
  return wrap(at::layer_norm(in, {in.size(-1)}, w, b, eps));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_rotary(tc_tensor x, tc_tensor cos, tc_tensor sin) {
  TC_OP_TRY
  auto& in = deref(x);
  const int64_t half = in.size(-1) / 2;
  at::Tensor rotated = at::cat({in.narrow(-1, half, half).neg(), in.narrow(-1, 0, half)}, -1);
  return wrap(in * deref(cos) + rotated * deref(sin));
  TC_CATCH(nullptr)
}

TC_EXPORT int32_t tc_nn_rotary_(tc_tensor x, tc_tensor cos_table, tc_tensor sin_table, tc_tensor positions) {
  TC_OP_TRY
  auto& in = deref(x);
  auto &cos = deref(cos_table), &sin = deref(sin_table), &pos = deref(positions);
  if (in.dim() != 3 || pos.dim() != 1 || pos.size(0) != in.size(0))
    throw std::invalid_argument("rotary expects x [rows, heads, head_dim] and one position per row");
  if (tc::fused_rotary_applies(in, cos) && tc::fused_rotary_applies(in, sin)) {
    tc::fused_rotary_(in, cos, sin, pos);
    return 0;
  }
  const int64_t half = in.size(-1) / 2;
  at::Tensor c = cos.index_select(0, pos).unsqueeze(1), s = sin.index_select(0, pos).unsqueeze(1);
  at::Tensor rotated = at::cat({in.narrow(-1, half, half).neg(), in.narrow(-1, 0, half)}, -1);
  in.copy_(in * c + rotated * s);
  return 0;
  TC_CATCH(-1)
}

TC_EXPORT tc_tensor tc_nn_swiglu(tc_tensor gate_up) {
  TC_OP_TRY
  auto& gu = deref(gate_up);
  if (gu.dim() != 2 || gu.size(1) % 2 != 0) throw std::invalid_argument("swiglu expects [rows, 2 * intermediate]");
  if (tc::fused_swiglu_applies(gu)) return wrap(tc::fused_swiglu(gu));
  const int64_t inter = gu.size(1) / 2;
  return wrap(at::silu(gu.narrow(1, 0, inter)) * gu.narrow(1, inter, inter));
  TC_CATCH(nullptr)
}

TC_EXPORT int32_t tc_nn_linear_add_(tc_tensor h, tc_tensor x, tc_tensor weight, tc_tensor bias) {
  TC_OP_TRY
  auto &out = deref(h), &in = deref(x), &w = deref(weight);
  if (out.dim() != 2 || in.dim() != 2) throw std::invalid_argument("linear_add expects 2-d h and x");
  // The residual add rides on the GEMM's beta = 1: no separate pass over h, no [rows, out] temporary.
  if (tc::fused_linear_applies(in, w, nullptr))
    tc::fused_linear_into(in, w, nullptr, out, /*accumulate=*/true);
  else
    out.addmm_(in, w.t());
  if (bias != nullptr) out.add_(deref(bias));
  return 0;
  TC_CATCH(-1)
}

TC_EXPORT tc_tensor tc_nn_silu(tc_tensor x) {
  TC_OP_TRY
  return wrap(at::silu(deref(x)));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_gelu_tanh(tc_tensor x) {
  TC_OP_TRY
  return wrap(at::gelu(deref(x), "tanh"));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_softmax(tc_tensor x, int64_t dim) {
  TC_OP_TRY
  return wrap(at::softmax(deref(x), dim));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_log_softmax(tc_tensor x, int64_t dim) {
  TC_OP_TRY
  return wrap(at::log_softmax(deref(x), dim));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_attention_padded(tc_tensor q, tc_tensor k, tc_tensor v, int64_t batch, double scale,
                                           int64_t window) {
  TC_OP_TRY
  auto &tq = deref(q), &tk = deref(k), &tv = deref(v);
  check_qkv(tq, tk, tv);
  if (batch <= 0 || tq.size(0) % batch != 0)
    throw std::invalid_argument("attention: rows (" + std::to_string(tq.size(0)) + ") not divisible by batch " +
                                std::to_string(batch));
  const int64_t len = tq.size(0) / batch;
  if (tc::fused_attention_applies(tq, tk, tv)) {
    std::vector<tc::Segment> segments;
    for (int64_t b = 0; b < batch; ++b) segments.push_back({b * len, len});
    return wrap(tc::fused_attention(tq, tk, tv, segments, scale, window));
  }
  auto to4 = [&](const at::Tensor& t) { return t.reshape({batch, len, t.size(1), t.size(2)}).transpose(1, 2); };
  at::Tensor out = causal_attention(to4(tq), to4(tk), to4(tv), scale, window);
  return wrap(out.transpose(1, 2).reshape({tq.size(0), tq.size(1), tq.size(2)}));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_attention_packed(tc_tensor q, tc_tensor k, tc_tensor v, const int64_t* cu_seqlens,
                                           int32_t count, double scale, int64_t window) {
  TC_OP_TRY
  auto &tq = deref(q), &tk = deref(k), &tv = deref(v);
  check_qkv(tq, tk, tv);
  if (count <= 0 || cu_seqlens == nullptr) throw std::invalid_argument("attention: no segments");
  if (cu_seqlens[0] != 0 || cu_seqlens[count] != tq.size(0))
    throw std::invalid_argument("attention: segment offsets must start at 0 and end at the row count");
  for (int32_t s = 0; s < count; ++s)
    if (cu_seqlens[s + 1] <= cu_seqlens[s])
      throw std::invalid_argument("attention: empty or decreasing segment " + std::to_string(s));
  if (tc::fused_attention_applies(tq, tk, tv)) {
    std::vector<tc::Segment> segments;
    for (int32_t s = 0; s < count; ++s) segments.push_back({cu_seqlens[s], cu_seqlens[s + 1] - cu_seqlens[s]});
    return wrap(tc::fused_attention(tq, tk, tv, segments, scale, window));
  }
  at::Tensor out = at::empty_like(tq);
  for (int32_t s = 0; s < count; ++s) {
    const int64_t start = cu_seqlens[s], len = cu_seqlens[s + 1] - start;
    if (len <= 0) throw std::invalid_argument("attention: empty or decreasing segment " + std::to_string(s));
    auto seg = [&](const at::Tensor& t) { return t.narrow(0, start, len).transpose(0, 1).unsqueeze(0); };
    at::Tensor o = causal_attention(seg(tq), seg(tk), seg(tv), scale, window);
    out.narrow(0, start, len).copy_(o.squeeze(0).transpose(0, 1));
  }
  return wrap(std::move(out));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_nn_cross_entropy(tc_tensor logits, tc_tensor targets) {
  TC_OP_TRY
  // logsumexp − target logit: the same value as cross_entropy(reduction none) without writing the [N, V]
  // log-probabilities back to memory.
  at::Tensor x = deref(logits).to(at::kFloat);
  at::Tensor t = deref(targets);
  if (x.dim() != 2 || t.dim() != 1 || t.size(0) != x.size(0))
    throw std::invalid_argument("cross_entropy expects logits [N, V] and targets [N]");
  if (tc::fused_cross_entropy_applies(x)) return wrap(tc::fused_cross_entropy(x, t));
  return wrap(at::logsumexp(x, {1}) - x.gather(1, t.unsqueeze(1)).squeeze(1));
  TC_CATCH(nullptr)
}
