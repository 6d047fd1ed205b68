// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/check.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vigil::internal {

CheckFailure::CheckFailure(std::string_view condition, std::string_view file, int line) {
  message_ << file << ":" << line << ": check failed: " << condition << ": ";
}

CheckFailure::~CheckFailure() {
  const std::string text = message_.str();
  std::fprintf(stderr, "%s\n", text.c_str());
  std::abort();
}

}  // namespace vigil::internal
