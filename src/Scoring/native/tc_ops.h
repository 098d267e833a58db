// Generic tensor ops: arithmetic and shape manipulation. Each returns a new handle, or NULL on error.
#pragma once
#include "tc_common.h"

typedef void* tc_tensor;

TC_EXPORT tc_tensor tc_ops_add(tc_tensor a, tc_tensor b);
TC_EXPORT tc_tensor tc_ops_mul(tc_tensor a, tc_tensor b);
TC_EXPORT tc_tensor tc_ops_mul_scalar(tc_tensor a, double s);
TC_EXPORT tc_tensor tc_ops_reshape(tc_tensor a, const int64_t* shape, int32_t ndim);
TC_EXPORT tc_tensor tc_ops_transpose(tc_tensor a, int64_t dim0, int64_t dim1);
TC_EXPORT tc_tensor tc_ops_contiguous(tc_tensor a);
TC_EXPORT tc_tensor tc_ops_narrow(tc_tensor a, int64_t dim, int64_t start, int64_t length);
TC_EXPORT tc_tensor tc_ops_cat(const tc_tensor* tensors, int32_t count, int64_t dim);
TC_EXPORT tc_tensor tc_ops_index_select(tc_tensor a, int64_t dim, tc_tensor index);
