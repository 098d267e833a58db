#include "tc_ops.h"

#include <vector>

#include "tc_internal.h"

using tc::deref;
using tc::wrap;

TC_EXPORT tc_tensor tc_ops_add(tc_tensor a, tc_tensor b) {
  TC_OP_TRY
  return wrap(at::add(deref(a), deref(b)));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_mul(tc_tensor a, tc_tensor b) {
  TC_OP_TRY
  return wrap(at::mul(deref(a), deref(b)));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_mul_scalar(tc_tensor a, double s) {
  TC_OP_TRY
  return wrap(at::mul(deref(a), s));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_reshape(tc_tensor a, const int64_t* shape, int32_t ndim) {
  TC_OP_TRY
  if (ndim < 0 || ndim > 8) throw std::invalid_argument("ndim must be in [0, 8]");
  return wrap(deref(a).reshape(at::IntArrayRef(shape, ndim)));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_transpose(tc_tensor a, int64_t dim0, int64_t dim1) {
  TC_OP_TRY
  return wrap(deref(a).transpose(dim0, dim1));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_contiguous(tc_tensor a) {
  TC_OP_TRY
  return wrap(deref(a).contiguous());
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_narrow(tc_tensor a, int64_t dim, int64_t start, int64_t length) {
  TC_OP_TRY
  return wrap(deref(a).narrow(dim, start, length));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_cat(const tc_tensor* tensors, int32_t count, int64_t dim) {
  TC_OP_TRY
  if (count <= 0) throw std::invalid_argument("cat needs at least one tensor");
  std::vector<at::Tensor> parts;
  parts.reserve(count);
  for (int32_t i = 0; i < count; ++i) parts.push_back(deref(tensors[i]));
  return wrap(at::cat(parts, dim));
  TC_CATCH(nullptr)
}

TC_EXPORT tc_tensor tc_ops_index_select(tc_tensor a, int64_t dim, tc_tensor index) {
  TC_OP_TRY
  return wrap(at::index_select(deref(a), dim, deref(index)));
  TC_CATCH(nullptr)
}
