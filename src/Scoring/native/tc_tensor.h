// Tensor handles: creation from host memory, copy back, and the first ops.
// A handle is a heap-allocated at::Tensor; tc_tensor_free releases it. All functions return NULL/-1 on error.
#pragma once
#include "tc_common.h"

typedef void* tc_tensor;

// dtype codes shared with C#: 0 float32, 1 float16, 2 bfloat16, 3 int64, 4 int32, 5 bool
TC_EXPORT tc_tensor tc_tensor_from_data(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype);
TC_EXPORT void tc_tensor_free(tc_tensor t);
TC_EXPORT int32_t tc_tensor_ndim(tc_tensor t);
TC_EXPORT int32_t tc_tensor_shape(tc_tensor t, int64_t* shape_out, int32_t capacity);
TC_EXPORT int32_t tc_tensor_dtype(tc_tensor t);
TC_EXPORT int32_t tc_tensor_copy_to(tc_tensor t, void* dest, int64_t dest_bytes);
TC_EXPORT tc_tensor tc_tensor_matmul(tc_tensor a, tc_tensor b);
