#include "tc_tensor.h"

#include <ATen/Parallel.h>

#include <cstring>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "tc_internal.h"

namespace tc {
at::ScalarType to_scalar_type(int32_t code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kHalf;
    case 2: return at::kBFloat16;
    case 3: return at::kLong;
    case 4: return at::kInt;
    case 5: return at::kBool;
    default: throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  }
}

int32_t to_code(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return 0;
    case at::kHalf: return 1;
    case at::kBFloat16: return 2;
    case at::kLong: return 3;
    case at::kInt: return 4;
    case at::kBool: return 5;
    default: throw std::invalid_argument(std::string("unsupported dtype ") + at::toString(t));
  }
}
}  // namespace tc

namespace {
std::vector<int64_t> dims_of(const int64_t* shape, int32_t ndim) {
  if (ndim < 0 || ndim > 8) throw std::invalid_argument("ndim must be in [0, 8], got " + std::to_string(ndim));
  std::vector<int64_t> dims(shape, shape + ndim);
  for (auto d : dims)
    if (d < 0) throw std::invalid_argument("negative dimension " + std::to_string(d));
  return dims;
}

at::Device parse_device(const char* device) {
  if (device == nullptr) throw std::invalid_argument("null device string");
  return at::Device(std::string(device));
}
}  // namespace

TC_EXPORT tc_tensor tc_tensor_from_data(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype) {
  TC_OP_TRY
  auto dims = dims_of(shape, ndim);
  at::Tensor t = at::empty(dims, at::TensorOptions().dtype(tc::to_scalar_type(dtype)));
  if (t.numel() > 0) {
    if (data == nullptr) throw std::invalid_argument("null data pointer for a non-empty tensor");
    std::memcpy(t.data_ptr(), data, t.numel() * t.element_size());
  }
  return tc::wrap(std::move(t));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_tensor_from_blob_to(const void* data, const int64_t* shape, int32_t ndim, int32_t src_dtype,
                                           int32_t dst_dtype, const char* device) {
  TC_OP_TRY
  auto dims = dims_of(shape, ndim);
  auto src_type = tc::to_scalar_type(src_dtype);
  auto dev = parse_device(device);
  int64_t numel = 1;
  for (auto d : dims) numel *= d;
  if (numel > 0 && data == nullptr) throw std::invalid_argument("null data pointer for a non-empty tensor");
  at::Tensor borrowed = numel > 0 ? at::from_blob(const_cast<void*>(data), dims, at::TensorOptions().dtype(src_type))
                                  : at::empty(dims, at::TensorOptions().dtype(src_type));
  // copy=true: the result never aliases the borrowed bytes, even when dtype and device already match.
  at::Tensor owned = borrowed.to(dev, tc::to_scalar_type(dst_dtype), /*non_blocking=*/false, /*copy=*/true);
  return tc::wrap(std::move(owned));
  TC_CATCH(nullptr)
}

TC_EXPORT void tc_tensor_free(tc_tensor t) {
  if (t == nullptr) return;
  delete static_cast<at::Tensor*>(t);
  tc::handle_destroyed();
}

TC_EXPORT int32_t tc_tensor_ndim(tc_tensor t) {
  TC_TRY
  return static_cast<int32_t>(tc::deref(t).dim());
  TC_CATCH(-1)
}

TC_EXPORT int32_t tc_tensor_shape(tc_tensor t, int64_t* shape_out, int32_t capacity) {
  TC_TRY
  auto& x = tc::deref(t);
  int32_t n = static_cast<int32_t>(x.dim());
  if (n > capacity) throw std::invalid_argument("shape buffer too small");
  for (int32_t i = 0; i < n; ++i) shape_out[i] = x.size(i);
  return n;
  TC_CATCH(-1)
}

TC_EXPORT int32_t tc_tensor_dtype(tc_tensor t) {
  TC_TRY
  return tc::to_code(tc::deref(t).scalar_type());
  TC_CATCH(-1)
}

TC_EXPORT int32_t tc_tensor_device(tc_tensor t, char* buf, int32_t capacity) {
  TC_TRY
  std::string s = tc::deref(t).device().str();
  if (static_cast<int32_t>(s.size()) + 1 > capacity) throw std::invalid_argument("device buffer too small");
  std::memcpy(buf, s.c_str(), s.size() + 1);
  return static_cast<int32_t>(s.size());
  TC_CATCH(-1)
}

TC_EXPORT int32_t tc_tensor_copy_to(tc_tensor t, void* dest, int64_t dest_bytes) {
  TC_OP_TRY
  at::Tensor x = tc::deref(t).to(at::kCPU).contiguous();
  int64_t bytes = x.numel() * static_cast<int64_t>(x.element_size());
  if (bytes != dest_bytes)
    throw std::invalid_argument("destination holds " + std::to_string(dest_bytes) + " bytes, tensor has " +
                                std::to_string(bytes));
  if (bytes > 0) std::memcpy(dest, x.data_ptr(), bytes);
  return 0;
  TC_CATCH(-1)
}

TC_EXPORT tc_tensor tc_tensor_to(tc_tensor t, int32_t dtype, const char* device) {
  TC_OP_TRY
  auto& x = tc::deref(t);
  auto type = dtype < 0 ? x.scalar_type() : tc::to_scalar_type(dtype);
  auto dev = device == nullptr ? x.device() : parse_device(device);
  return tc::wrap(x.to(dev, type));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_tensor_matmul(tc_tensor a, tc_tensor b) {
  TC_OP_TRY
  return tc::wrap(at::matmul(tc::deref(a), tc::deref(b)));
  TC_CATCH(nullptr)
}

TC_EXPORT int32_t tc_device_check(const char* device) {
  TC_OP_TRY
  auto dev = parse_device(device);
  // A one-element allocation proves the backend is compiled in and the device index exists.
  at::Tensor probe = at::zeros({1}, at::TensorOptions().device(dev));
  (void)probe;
  return 0;
  TC_CATCH(-1)
}

TC_EXPORT void tc_set_num_threads(int32_t n) {
  if (n > 0) at::set_num_threads(n);
}

TC_EXPORT int32_t tc_get_num_threads() { return at::get_num_threads(); }

TC_EXPORT int32_t tc_memory_configure() {
#if defined(__GLIBC__)
  // A fixed mmap threshold at glibc's maximum (32 MiB): tensors below it are carved from the heap and reused within a
  // call (no page faults per layer); bigger ones are mapped and unmapped. A fixed value also stops glibc from raising
  // the threshold after each large free, which let ever bigger tensors settle in fragmented heaps.
  int ok = mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  // Scoring calls come from any pool thread; each thread would otherwise get its own arena holding its own free
  // memory (up to 8 per core).
  ok &= mallopt(M_ARENA_MAX, 2);
  return ok ? 0 : -1;
#else
  return 0;
#endif
}

TC_EXPORT int32_t tc_memory_trim() {
#if defined(__GLIBC__)
  tc::ProfileScope profile(__func__);
  return malloc_trim(0);
#else
  return 0;
#endif
}
