#include "tc_common.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <torch/version.h>

namespace {
thread_local std::string g_last_error;
std::atomic<int64_t> g_live_handles{0};
std::atomic<bool> g_profiling{false};
std::mutex g_profile_mutex;
struct ProfileEntry {
  int64_t calls = 0;
  int64_t ns = 0;
};
std::map<std::string, ProfileEntry> g_profile;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

namespace tc {
void set_last_error(const std::string& message) { g_last_error = message.empty() ? "native error" : message; }
void clear_last_error() { g_last_error.clear(); }
void handle_created() { g_live_handles.fetch_add(1, std::memory_order_relaxed); }
void handle_destroyed() { g_live_handles.fetch_sub(1, std::memory_order_relaxed); }

ProfileScope::ProfileScope(const char* name)
    : name_(name), start_ns_(g_profiling.load(std::memory_order_relaxed) ? now_ns() : 0) {}

ProfileScope::~ProfileScope() {
  if (start_ns_ == 0) return;
  const int64_t elapsed = now_ns() - start_ns_;
  std::lock_guard<std::mutex> lock(g_profile_mutex);
  auto& e = g_profile[name_];
  e.calls++;
  e.ns += elapsed;
}
}  // namespace tc

TC_EXPORT void tc_profile_enable(int32_t on) {
  std::lock_guard<std::mutex> lock(g_profile_mutex);
  if (on) g_profile.clear();
  g_profiling.store(on != 0, std::memory_order_relaxed);
}

TC_EXPORT int32_t tc_profile_report(char* buf, int32_t capacity) {
  std::ostringstream text;
  {
    std::lock_guard<std::mutex> lock(g_profile_mutex);
    for (const auto& [name, e] : g_profile) text << name << '\t' << e.calls << '\t' << e.ns * 1e-9 << '\n';
  }
  const std::string s = text.str();
  if (buf != nullptr && capacity > 0) {
    const size_t n = std::min(s.size(), static_cast<size_t>(capacity - 1));
    std::memcpy(buf, s.data(), n);
    buf[n] = '\0';
  }
  return static_cast<int32_t>(s.size());
}

TC_EXPORT const char* tc_last_error() { return g_last_error.empty() ? nullptr : g_last_error.c_str(); }
TC_EXPORT int64_t tc_live_handles() { return g_live_handles.load(std::memory_order_relaxed); }
TC_EXPORT const char* tc_torch_version() { return TORCH_VERSION; }
