// Tensor handles: creation from host memory (copied or borrowed), conversion, inspection, copy back.
// A handle is a heap-allocated at::Tensor; tc_tensor_free releases it. All functions return NULL/-1 on error.
#pragma once
#include "tc_common.h"

typedef void* tc_tensor;

// dtype codes shared with C#: 0 float32, 1 float16, 2 bfloat16, 3 int64, 4 int32, 5 bool
TC_EXPORT tc_tensor tc_tensor_from_data(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype);
// Converts borrowed host bytes (e.g. a memory-mapped safetensors range) straight into an owned tensor of
// the target dtype on the target device: the bytes are read once and not referenced after the call.
TC_EXPORT tc_tensor tc_tensor_from_blob_to(const void* data, const int64_t* shape, int32_t ndim, int32_t src_dtype,
                                           int32_t dst_dtype, const char* device);
TC_EXPORT void tc_tensor_free(tc_tensor t);
TC_EXPORT int32_t tc_tensor_ndim(tc_tensor t);
TC_EXPORT int32_t tc_tensor_shape(tc_tensor t, int64_t* shape_out, int32_t capacity);
TC_EXPORT int32_t tc_tensor_dtype(tc_tensor t);
// Writes the device string ("cpu", "cuda:0") into buf; returns its length.
TC_EXPORT int32_t tc_tensor_device(tc_tensor t, char* buf, int32_t capacity);
// Copies the elements (any device, made contiguous) to host memory of exactly the tensor's byte size.
TC_EXPORT int32_t tc_tensor_copy_to(tc_tensor t, void* dest, int64_t dest_bytes);
TC_EXPORT tc_tensor tc_tensor_to(tc_tensor t, int32_t dtype, const char* device);
TC_EXPORT tc_tensor tc_tensor_matmul(tc_tensor a, tc_tensor b);
// Validates a device string ("cpu", "cuda", "cuda:1"); 0 when usable, -1 with the reason otherwise.
TC_EXPORT int32_t tc_device_check(const char* device);
TC_EXPORT void tc_set_num_threads(int32_t n);
TC_EXPORT int32_t tc_get_num_threads();
// glibc malloc settings for scoring (fixed 32 MiB mmap threshold, 2 arenas); call once, early. 0, or -1 if refused.
TC_EXPORT int32_t tc_memory_configure();
// Returns free heap memory to the OS (malloc_trim(0)); 1 if memory was released. Cheap: called after each call.
TC_EXPORT int32_t tc_memory_trim();
