// SPDX-License-Identifier: Apache-2.0
#pragma once

// VIGIL_CHECK(cond) << "why": aborts the process when a programmer error is
// detected. It must never be reachable from input: bad input returns an Error.

#include <sstream>
#include <string_view>

namespace vigil::internal {

// Collects the streamed message and aborts in its destructor.
class CheckFailure {
 public:
  CheckFailure(std::string_view condition, std::string_view file, int line);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  template <class T>
  CheckFailure& operator<<(const T& value) {
    message_ << value;
    return *this;
  }

 private:
  std::ostringstream message_;
};

}  // namespace vigil::internal

#define VIGIL_CHECK(cond) \
  if (cond) {             \
  } else                  \
    ::vigil::internal::CheckFailure(#cond, __FILE__, __LINE__)
