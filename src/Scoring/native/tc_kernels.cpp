#include "tc_kernels.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>

// The 8-lane helpers below are always inlined into their AVX2 or SSE2 clones; no vector crosses a real call.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace {
// ---- BLAS, found at run time: libtorch links OpenBLAS (Debian) or MKL; the shim itself links neither. ----
using sgemm_fn = void (*)(int order, int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a,
                          int lda, const float* b, int ldb, float beta, float* c, int ldc);
using set_threads_fn = void (*)(int);
using get_threads_fn = int (*)();
constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;

struct Blas {
  sgemm_fn sgemm = nullptr;
  set_threads_fn set_threads = nullptr;  // OpenBLAS only: its own pthreads, unaware of OpenMP
  get_threads_fn get_threads = nullptr;
};

const Blas& blas() {
  static const Blas found = [] {
    Blas b;
    // The shim is loaded RTLD_LOCAL by .NET, so libtorch's BLAS is not in the global scope: ask for it by name.
    void* lib = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_NOLOAD);
    void* scope = lib != nullptr ? lib : RTLD_DEFAULT;
    b.sgemm = reinterpret_cast<sgemm_fn>(dlsym(scope, "cblas_sgemm"));
    b.set_threads = reinterpret_cast<set_threads_fn>(dlsym(scope, "openblas_set_num_threads"));
    b.get_threads = reinterpret_cast<get_threads_fn>(dlsym(scope, "openblas_get_num_threads"));
    if (b.set_threads == nullptr || b.get_threads == nullptr) {
      b.set_threads = nullptr;
      b.get_threads = nullptr;
    }
    return b;
  }();
  return found;
}

// OpenBLAS (pthread build) would start its own threads inside each of our OpenMP workers: 2 x 2 threads on 2 cores
// and a lock around its level-3 server. While a fused kernel runs, each worker calls BLAS single-threaded. The
// setting is process-wide: the first kernel to enter saves it, the last to leave restores it, so kernels running
// concurrently on other threads (two models scored at once) never leave OpenBLAS stuck at one thread.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() {
    const Blas& b = blas();
    if (b.set_threads == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (users_++ == 0) {
      saved_ = b.get_threads();
      if (saved_ != 1) b.set_threads(1);
    }
  }
  ~SingleThreadedBlas() {
    const Blas& b = blas();
    if (b.set_threads == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (--users_ == 0 && saved_ > 1) b.set_threads(saved_);
  }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  static inline std::mutex mutex_;
  static inline int users_ = 0;
  static inline int saved_ = 0;
};

// Work items handed out one at a time from a shared counter: on a shared machine one thread may be descheduled,
// and static halves would leave the other waiting at the end of the region.
template <typename F>
void parallel_dynamic(int64_t count, const F& body) {
  if (count <= 0) return;
  std::atomic<int64_t> next{0};
  const int64_t workers = std::min<int64_t>(at::get_num_threads(), count);
  at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
    for (int64_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) body(i);
  });
}

// ---- exp for softmax and SiLU: Cephes' expf (max error ~1 ulp on the clamped range), 8 lanes wide. GCC vector
// extensions compile to AVX2 or SSE2 code paths chosen at load time (target_clones). ----
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

#define TC_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))

__attribute__((always_inline)) inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
__attribute__((always_inline)) inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }
__attribute__((always_inline)) inline v8f splat(float x) { return v8f{x, x, x, x, x, x, x, x}; }

__attribute__((always_inline)) inline v8f exp8(v8f x) {
  x = x < -87.0f ? splat(-87.0f) : x;
  x = x > 88.0f ? splat(88.0f) : x;
  v8f fx = x * 1.44269504088896341f + 0.5f;
  v8i n = __builtin_convertvector(fx, v8i);  // truncates toward zero: floor = trunc - (trunc > x)
  v8f t = __builtin_convertvector(n, v8f);
  n += (v8i)(t > fx);                        // true lanes are -1
  fx = __builtin_convertvector(n, v8f);
  x = x - fx * 0.693359375f - fx * -2.12194440e-4f;
  v8f z = x * x;
  v8f y = splat(1.9875691500e-4f);
  y = y * x + 1.3981999507e-3f;
  y = y * x + 8.3334519073e-3f;
  y = y * x + 4.1665795894e-2f;
  y = y * x + 1.6666665459e-1f;
  y = y * x + 5.0000001201e-1f;
  y = y * z + x + 1.0f;
  v8i pow2 = (n + 127) << 23;
  return y * (v8f)pow2;
}

__attribute__((always_inline)) inline float exp1(float x) {
  float lanes[8] = {x, 0, 0, 0, 0, 0, 0, 0};
  float out[8];
  store8(out, exp8(load8(lanes)));
  return out[0];
}

// Softmax numerator of row[first, end) in place (exp(x - max)); zeros elsewhere in [0, n). Returns the sum.
TC_VECTOR_CLONES float softmax_row(float* row, int64_t first, int64_t end, int64_t n) {
  float max = -INFINITY;
  int64_t j = first;
  if (end - first >= 8) {
    v8f m = load8(row + first);
    for (j = first + 8; j + 8 <= end; j += 8) {
      v8f x = load8(row + j);
      m = x > m ? x : m;
    }
    for (int l = 0; l < 8; ++l) max = std::max(max, m[l]);
  }
  for (; j < end; ++j) max = std::max(max, row[j]);
  v8f sum8 = splat(0.0f);
  const v8f max8 = splat(max);
  for (j = first; j + 8 <= end; j += 8) {
    v8f e = exp8(load8(row + j) - max8);
    store8(row + j, e);
    sum8 += e;
  }
  float sum = 0.0f;
  for (; j < end; ++j) {
    row[j] = exp1(row[j] - max);
    sum += row[j];
  }
  for (int l = 0; l < 8; ++l) sum += sum8[l];
  if (first > 0) std::memset(row, 0, sizeof(float) * first);
  if (end < n) std::memset(row + end, 0, sizeof(float) * (n - end));
  return sum;
}

// −log softmax(row)[target] = log Σ exp(x − max) + max − x[target], two passes over a row that is still in cache.
TC_VECTOR_CLONES float cross_entropy_row(const float* row, int64_t n, int64_t target) {
  float max = -INFINITY;
  int64_t j = 0;
  if (n >= 8) {
    v8f m = load8(row);
    for (j = 8; j + 8 <= n; j += 8) {
      v8f x = load8(row + j);
      m = x > m ? x : m;
    }
    for (int l = 0; l < 8; ++l) max = std::max(max, m[l]);
  }
  for (; j < n; ++j) max = std::max(max, row[j]);
  v8f sum8 = splat(0.0f);
  const v8f max8 = splat(max);
  for (j = 0; j + 8 <= n; j += 8) sum8 += exp8(load8(row + j) - max8);
  float sum = 0.0f;
  for (; j < n; ++j) sum += exp1(row[j] - max);
  for (int l = 0; l < 8; ++l) sum += sum8[l];
  return std::log(sum) + max - row[target];
}

TC_VECTOR_CLONES void scale_row(float* row, int64_t n, float s) {
  for (int64_t j = 0; j < n; ++j) row[j] *= s;
}

TC_VECTOR_CLONES void rms_norm_row(const float* x, const float* w, float* y, int64_t n, float eps) {
  v8f acc = splat(0.0f);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    v8f v = load8(x + j);
    acc += v * v;
  }
  float ss = 0.0f;
  for (; j < n; ++j) ss += x[j] * x[j];
  for (int l = 0; l < 8; ++l) ss += acc[l];
  const float r = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
  for (j = 0; j < n; ++j) y[j] = w[j] * (x[j] * r);
}

TC_VECTOR_CLONES void rotary_row(float* x, const float* c, const float* s, int64_t heads, int64_t dim) {
  const int64_t half = dim / 2;
  for (int64_t h = 0; h < heads; ++h) {
    float* a = x + h * dim;
    float* b = a + half;
    for (int64_t j = 0; j < half; ++j) {
      const float x1 = a[j], x2 = b[j];
      // HF: x * cos + rotate_half(x) * sin, rotate_half = cat(-x2, x1)
      a[j] = x1 * c[j] + (-x2) * s[j];
      b[j] = x2 * c[half + j] + x1 * s[half + j];
    }
  }
}

TC_VECTOR_CLONES void swiglu_row(const float* gate, const float* up, float* out, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    v8f g = load8(gate + j);
    store8(out + j, g / (1.0f + exp8(-g)) * load8(up + j));
  }
  for (; j < n; ++j) out[j] = gate[j] / (1.0f + exp1(-gate[j])) * up[j];
}

std::atomic<bool> g_fused_enabled{true};

bool cpu_float(const at::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat; }

// [N, H, D] with the inner [H, D] block contiguous (rows may be strided, e.g. views into a fused qkv projection).
at::Tensor rows_of_heads(const at::Tensor& t) {
  if (t.dim() == 3 && t.stride(2) == 1 && t.stride(1) == t.size(2)) return t;
  return t.contiguous();
}
}  // namespace

namespace tc {
void set_fused_kernels(bool on) { g_fused_enabled.store(on, std::memory_order_relaxed); }
bool fused_kernels() { return g_fused_enabled.load(std::memory_order_relaxed); }

bool fused_linear_applies(const at::Tensor& x, const at::Tensor& weight, const at::Tensor* bias) {
  return fused_kernels() && cpu_float(x) && cpu_float(weight) && x.dim() == 2 && x.stride(1) == 1 &&
         weight.dim() == 2 && weight.is_contiguous() && x.size(1) == weight.size(1) && blas().sgemm != nullptr &&
         (bias == nullptr || (cpu_float(*bias) && bias->dim() == 1 && bias->size(0) == weight.size(0)));
}

void fused_linear_into(const at::Tensor& x, const at::Tensor& weight, const at::Tensor* bias, at::Tensor& y,
                       bool accumulate) {
  const int64_t rows = x.size(0), in = x.size(1), outs = weight.size(0);
  if (y.dim() != 2 || y.size(0) != rows || y.size(1) != outs || y.stride(1) != 1 || !cpu_float(y))
    throw std::invalid_argument("linear: output must be float32 [rows, out] with contiguous rows");
  if (rows == 0 || outs == 0) return;
  const float* xp = x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const int64_t xs = x.stride(0), ys = y.stride(0);
  const int64_t threads = at::get_num_threads();
  // Each task packs its share of one operand and all of the other: row blocks repack the whole weight per block,
  // column blocks the whole input. Split the bigger of the two (the LM head's 32k-row weight: columns). Several tasks
  // per thread, handed out dynamically, so a descheduled thread does not hold up the other.
  const bool by_rows = (rows >= outs && rows >= 64 * threads) || outs < 64 * threads;
  const int64_t extent = by_rows ? rows : outs;
  int64_t block = std::max<int64_t>(by_rows ? 32 : 64, (extent + threads * 4 - 1) / (threads * 4));
  block = std::min<int64_t>(block, by_rows ? 512 : extent);
  block = (block + 15) / 16 * 16;
  const int64_t tasks = (extent + block - 1) / block;
  const float* bp = bias != nullptr ? bias->data_ptr<float>() : nullptr;
  const sgemm_fn sgemm = blas().sgemm;
  SingleThreadedBlas single;
  parallel_dynamic(tasks, [&](int64_t t) {
    const int64_t r0 = by_rows ? t * block : 0, r1 = by_rows ? std::min(rows, r0 + block) : rows;
    const int64_t c0 = by_rows ? 0 : t * block, c1 = by_rows ? outs : std::min(outs, c0 + block);
    float beta = accumulate ? 1.0f : 0.0f;
    if (bp != nullptr && !accumulate) {
      // y = bias + x W^T, added inside the GEMM as at::linear's addmm does.
      for (int64_t r = r0; r < r1; ++r) std::memcpy(yp + r * ys + c0, bp + c0, sizeof(float) * (c1 - c0));
      beta = 1.0f;
    }
    sgemm(kRowMajor, kNoTrans, kTrans, static_cast<int>(r1 - r0), static_cast<int>(c1 - c0), static_cast<int>(in),
          1.0f, xp + r0 * xs, static_cast<int>(xs), wp + c0 * in, static_cast<int>(in), beta, yp + r0 * ys + c0,
          static_cast<int>(ys));
  });
}

bool fused_attention_applies(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  return fused_kernels() && cpu_float(q) && cpu_float(k) && cpu_float(v) && blas().sgemm != nullptr;
}

at::Tensor fused_attention(const at::Tensor& q_in, const at::Tensor& k_in, const at::Tensor& v_in,
                           const std::vector<Segment>& segments, double scale, int64_t window) {
  const at::Tensor q = rows_of_heads(q_in), k = rows_of_heads(k_in), v = rows_of_heads(v_in);
  const int64_t hq = q.size(1), hkv = k.size(1), dim = q.size(2);
  if (hkv <= 0 || hq % hkv != 0)
    throw std::invalid_argument("query heads (" + std::to_string(hq) + ") must be a multiple of key/value heads (" +
                                std::to_string(hkv) + ")");
  const int64_t group = hq / hkv;
  at::Tensor out = at::empty({q.size(0), hq, dim}, q.options());
  // Query blocks of 128 rows: a block's scores (128 x up to 2048 keys, float32) stay in the core's L2, and a block
  // only multiplies the keys it can see, so the work is about half the full square.
  constexpr int64_t kBlock = 128;
  struct Task {
    int64_t row0, qs, qe, ks, head;
  };
  std::vector<Task> tasks;
  int64_t max_keys = 0;
  for (const auto& seg : segments) {
    for (int64_t qs = 0; qs < seg.length; qs += kBlock) {
      const int64_t qe = std::min(seg.length, qs + kBlock);
      const int64_t ks = window > 0 ? std::max<int64_t>(0, qs - window + 1) : 0;
      max_keys = std::max(max_keys, qe - ks);
      for (int64_t h = 0; h < hq; ++h) tasks.push_back({seg.start, qs, qe, ks, h});
    }
  }
  // Biggest first, so the last tasks to run are the small ones and both threads finish together.
  std::stable_sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
    return (a.qe - a.ks) * (a.qe - a.qs) > (b.qe - b.ks) * (b.qe - b.qs);
  });

  const float* qp = q.data_ptr<float>();
  const float* kp = k.data_ptr<float>();
  const float* vp = v.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const int64_t q_rs = q.stride(0), k_rs = k.stride(0), v_rs = v.stride(0), o_rs = out.stride(0);
  const float alpha = static_cast<float>(scale);
  const sgemm_fn sgemm = blas().sgemm;
  const int threads = at::get_num_threads();
  std::atomic<int64_t> next{0};
  const int64_t count = static_cast<int64_t>(tasks.size());
  SingleThreadedBlas single;
  at::parallel_for(0, std::min<int64_t>(threads, count), 1, [&](int64_t, int64_t) {
    // Kept per worker thread across calls (grows to the longest sequence seen, ~1 MiB at 2048 keys): no allocator
    // traffic per call, so varying lengths do not fragment the heap.
    thread_local std::vector<float> buf;
    if (buf.size() < static_cast<size_t>(kBlock * max_keys + kBlock)) buf.resize(kBlock * max_keys + kBlock);
    float* scores = buf.data();
    float* inv = scores + kBlock * max_keys;
    for (int64_t t = next.fetch_add(1); t < count; t = next.fetch_add(1)) {
      const Task& task = tasks[t];
      const int64_t m = task.qe - task.qs, n = task.qe - task.ks, kvh = task.head / group;
      const float* qb = qp + (task.row0 + task.qs) * q_rs + task.head * dim;
      const float* kb = kp + (task.row0 + task.ks) * k_rs + kvh * dim;
      const float* vb = vp + (task.row0 + task.ks) * v_rs + kvh * dim;
      float* ob = op + (task.row0 + task.qs) * o_rs + task.head * dim;
      sgemm(kRowMajor, kNoTrans, kTrans, m, n, dim, alpha, qb, q_rs, kb, k_rs, 0.0f, scores, n);
      for (int64_t i = 0; i < m; ++i) {
        const int64_t pos = task.qs + i;  // query position; keys up to and including it are visible
        const int64_t first = window > 0 ? std::max<int64_t>(0, pos - window + 1) - task.ks : 0;
        inv[i] = 1.0f / softmax_row(scores + i * n, first, pos - task.ks + 1, n);
      }
      // Normalising the [m, D] output instead of the [m, n] probabilities: fewer multiplies, same value.
      sgemm(kRowMajor, kNoTrans, kNoTrans, m, dim, n, 1.0f, scores, n, vb, v_rs, 0.0f, ob, o_rs);
      for (int64_t i = 0; i < m; ++i) scale_row(ob + i * o_rs, dim, inv[i]);
    }
  });
  return out;
}

bool fused_rms_norm_applies(const at::Tensor& x, const at::Tensor& weight) {
  return fused_kernels() && cpu_float(x) && cpu_float(weight) && weight.dim() == 1 && x.dim() >= 1 && x.size(-1) == weight.size(0) &&
         weight.is_contiguous();
}

at::Tensor fused_rms_norm(const at::Tensor& x_in, const at::Tensor& weight, double eps) {
  const at::Tensor x = x_in.contiguous();
  at::Tensor y = at::empty_like(x);
  const int64_t h = x.size(-1), rows = h == 0 ? 0 : x.numel() / h;
  const float* xp = x.data_ptr<float>();
  const float* wp = weight.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const int64_t chunk = std::max<int64_t>(1, 16384 / std::max<int64_t>(h, 1));
  parallel_dynamic((rows + chunk - 1) / chunk, [&](int64_t c) {
    const int64_t end = std::min(rows, (c + 1) * chunk);
    for (int64_t r = c * chunk; r < end; ++r) rms_norm_row(xp + r * h, wp, yp + r * h, h, static_cast<float>(eps));
  });
  return y;
}

bool fused_rotary_applies(const at::Tensor& x, const at::Tensor& table) {
  return fused_kernels() && cpu_float(x) && cpu_float(table) && x.dim() == 3 && x.stride(2) == 1 && x.stride(1) == x.size(2) &&
         table.dim() == 2 && table.is_contiguous() && table.size(1) == x.size(2) && x.size(2) % 2 == 0;
}

void fused_rotary_(at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& positions) {
  const at::Tensor pos = positions.to(at::kLong).contiguous();
  if (pos.dim() != 1 || pos.size(0) != x.size(0)) throw std::invalid_argument("rotary: one position per row needed");
  const int64_t rows = x.size(0), heads = x.size(1), dim = x.size(2), rs = x.stride(0), table_rows = cos.size(0);
  const int64_t* pp = pos.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; ++r)
    if (pp[r] < 0 || pp[r] >= table_rows) throw std::invalid_argument("rotary: position outside the table");
  float* xp = x.data_ptr<float>();
  const float* cp = cos.data_ptr<float>();
  const float* sp = sin.data_ptr<float>();
  constexpr int64_t kChunk = 64;
  parallel_dynamic((rows + kChunk - 1) / kChunk, [&](int64_t c) {
    const int64_t end = std::min(rows, (c + 1) * kChunk);
    for (int64_t r = c * kChunk; r < end; ++r) rotary_row(xp + r * rs, cp + pp[r] * dim, sp + pp[r] * dim, heads, dim);
  });
}

bool fused_cross_entropy_applies(const at::Tensor& logits) {
  return fused_kernels() && cpu_float(logits) && logits.dim() == 2 && logits.stride(1) == 1;
}

at::Tensor fused_cross_entropy(const at::Tensor& logits, const at::Tensor& targets) {
  const at::Tensor t = targets.to(at::kLong).contiguous();
  const int64_t rows = logits.size(0), vocab = logits.size(1), rs = logits.stride(0);
  const int64_t* tp = t.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; ++r)
    if (tp[r] < 0 || tp[r] >= vocab)
      throw std::invalid_argument("cross_entropy: target " + std::to_string(tp[r]) + " outside [0, " +
                                  std::to_string(vocab) + ")");
  at::Tensor out = at::empty({rows}, logits.options());
  const float* lp = logits.data_ptr<float>();
  float* op = out.data_ptr<float>();
  constexpr int64_t kChunk = 4;
  parallel_dynamic((rows + kChunk - 1) / kChunk, [&](int64_t c) {
    const int64_t end = std::min(rows, (c + 1) * kChunk);
    for (int64_t r = c * kChunk; r < end; ++r) op[r] = cross_entropy_row(lp + r * rs, vocab, tp[r]);
  });
  return out;
}

bool fused_swiglu_applies(const at::Tensor& gu) {
  return fused_kernels() && cpu_float(gu) && gu.dim() == 2 && gu.size(1) % 2 == 0 && gu.stride(1) == 1;
}

at::Tensor fused_swiglu(const at::Tensor& gu) {
  const int64_t rows = gu.size(0), inter = gu.size(1) / 2, rs = gu.stride(0);
  at::Tensor out = at::empty({rows, inter}, gu.options());
  const float* gp = gu.data_ptr<float>();
  float* op = out.data_ptr<float>();
  constexpr int64_t kChunk = 16;
  parallel_dynamic((rows + kChunk - 1) / kChunk, [&](int64_t c) {
    const int64_t end = std::min(rows, (c + 1) * kChunk);
    for (int64_t r = c * kChunk; r < end; ++r) swiglu_row(gp + r * rs, gp + r * rs + inter, op + r * inter, inter);
  });
  return out;
}
}  // namespace tc
