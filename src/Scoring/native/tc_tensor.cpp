#include "tc_tensor.h"

#include <ATen/ATen.h>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace {
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

at::Tensor& deref(tc_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(t);
}

tc_tensor wrap(at::Tensor&& t) {
  auto* h = new at::Tensor(std::move(t));
  tc::handle_created();
  return h;
}
}  // namespace

TC_EXPORT tc_tensor tc_tensor_from_data(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype) {
  TC_TRY
  if (ndim < 0 || ndim > 8) throw std::invalid_argument("ndim must be in [0, 8], got " + std::to_string(ndim));
  std::vector<int64_t> dims(shape, shape + ndim);
  for (auto d : dims)
    if (d < 0) throw std::invalid_argument("negative dimension " + std::to_string(d));
  auto options = at::TensorOptions().dtype(to_scalar_type(dtype));
  at::Tensor t = at::empty(dims, options);
  if (t.numel() > 0) {
    if (data == nullptr) throw std::invalid_argument("null data pointer for a non-empty tensor");
    std::memcpy(t.data_ptr(), data, t.numel() * t.element_size());
  }
  return wrap(std::move(t));
  TC_CATCH(nullptr)
}

TC_EXPORT void tc_tensor_free(tc_tensor t) {
  if (t == nullptr) return;
  delete static_cast<at::Tensor*>(t);
  tc::handle_destroyed();
}

TC_EXPORT int32_t tc_tensor_ndim(tc_tensor t) {
  TC_TRY
  return static_cast<int32_t>(deref(t).dim());
  TC_CATCH(-1)
}

TC_EXPORT int32_t tc_tensor_shape(tc_tensor t, int64_t* shape_out, int32_t capacity) {
  TC_TRY
  auto& x = deref(t);
  int32_t n = static_cast<int32_t>(x.dim());
  if (n > capacity) throw std::invalid_argument("shape buffer too small");
  for (int32_t i = 0; i < n; ++i) shape_out[i] = x.size(i);
  return n;
  TC_CATCH(-1)
}

TC_EXPORT int32_t tc_tensor_dtype(tc_tensor t) {
  TC_TRY
  return to_code(deref(t).scalar_type());
  TC_CATCH(-1)
}

TC_EXPORT int32_t tc_tensor_copy_to(tc_tensor t, void* dest, int64_t dest_bytes) {
  TC_TRY
  at::Tensor x = deref(t).to(at::kCPU).contiguous();
  int64_t bytes = x.numel() * static_cast<int64_t>(x.element_size());
  if (bytes != dest_bytes)
    throw std::invalid_argument("destination holds " + std::to_string(dest_bytes) + " bytes, tensor has " +
                                std::to_string(bytes));
  if (bytes > 0) std::memcpy(dest, x.data_ptr(), bytes);
  return 0;
  TC_CATCH(-1)
}

TC_EXPORT tc_tensor tc_tensor_matmul(tc_tensor a, tc_tensor b) {
  TC_TRY
  return wrap(at::matmul(deref(a), deref(b)));
  TC_CATCH(nullptr)
}
