#include "tc_common.h"

#include <atomic>
#include <torch/version.h>

namespace {
thread_local std::string g_last_error;
std::atomic<int64_t> g_live_handles{0};
}  // namespace

namespace tc {
void set_last_error(const std::string& message) { g_last_error = message.empty() ? "native error" : message; }
void clear_last_error() { g_last_error.clear(); }
void handle_created() { g_live_handles.fetch_add(1, std::memory_order_relaxed); }
void handle_destroyed() { g_live_handles.fetch_sub(1, std::memory_order_relaxed); }
}  // namespace tc

TC_EXPORT const char* tc_last_error() { return g_last_error.empty() ? nullptr : g_last_error.c_str(); }
TC_EXPORT int64_t tc_live_handles() { return g_live_handles.load(std::memory_order_relaxed); }
TC_EXPORT const char* tc_torch_version() { return TORCH_VERSION; }
