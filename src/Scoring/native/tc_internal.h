// Helpers shared by the .cpp files of the shim (not exported): handle <-> at::Tensor, dtype codes.
#pragma once
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <stdexcept>
#include <string>

#include "tc_common.h"

typedef void* tc_tensor;

namespace tc {
at::ScalarType to_scalar_type(int32_t code);
int32_t to_code(at::ScalarType t);

inline at::Tensor& deref(tc_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(t);
}

inline tc_tensor wrap(at::Tensor&& t) {
  auto* h = new at::Tensor(std::move(t));
  handle_created();
  return h;
}
}  // namespace tc

// Scoring never needs autograd: every op runs under inference mode (no graph, no version counters).
#define TC_OP_TRY                             \
  TC_TRY                                      \
  tc::ProfileScope tc_profile_scope(__func__); \
  c10::InferenceMode tc_inference_guard;
