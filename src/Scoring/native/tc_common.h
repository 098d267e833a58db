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
