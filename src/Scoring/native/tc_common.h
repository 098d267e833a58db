// Shared plumbing of the C ABI: export macro, last-error slot, exception guard.
// Every export body runs inside TC_TRY/TC_CATCH: a C++ exception never crosses the ABI; it is stored
// in a thread-local slot that the C# side reads with tc_last_error() and turns into one typed exception.
#pragma once
#include <cstdint>
#include <string>

#define TC_EXPORT extern "C" __attribute__((visibility("default")))

namespace tc {
void set_last_error(const std::string& message);
void clear_last_error();
void handle_created();
void handle_destroyed();

// Per-export wall time while profiling is on (tc_profile_enable): one relaxed load when it is off.
class ProfileScope {
 public:
  explicit ProfileScope(const char* name);
  ~ProfileScope();
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  const char* name_;
  int64_t start_ns_;
};
}  // namespace tc

#define TC_TRY \
  tc::clear_last_error(); \
  try {
#define TC_CATCH(fail_value) \
  } \
  catch (const std::exception& e) { \
    tc::set_last_error(e.what()); \
    return fail_value; \
  } \
  catch (...) { \
    tc::set_last_error("unknown native exception"); \
    return fail_value; \
  }

// Error slot and live-handle counter.
TC_EXPORT const char* tc_last_error();
TC_EXPORT int64_t tc_live_handles();
TC_EXPORT const char* tc_torch_version();
// Profiling of exports (benchmarks): enable(1) clears and starts, enable(0) stops. report writes
// "name<TAB>calls<TAB>seconds" lines into buf (NUL-terminated, truncated to capacity); returns the full length.
TC_EXPORT void tc_profile_enable(int32_t on);
TC_EXPORT int32_t tc_profile_report(char* buf, int32_t capacity);
