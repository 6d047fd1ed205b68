// SPDX-License-Identifier: Apache-2.0
#include "internal/openssl_error.h"

#include <string>

#include <openssl/err.h>

namespace vigil::crypto::internal {

Error FromOpenSsl(std::string_view what) {
  std::string message(what);
  const unsigned long first = ERR_get_error();
  if (first != 0) {
    const char* reason = ERR_reason_error_string(first);
    message += ": ";
    message += reason != nullptr ? reason : "unknown OpenSSL error";
  }
  ERR_clear_error();
  return Error{ErrorCode::kInternal, std::move(message)};
}

}  // namespace vigil::crypto::internal
