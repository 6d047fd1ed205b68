// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one mapping from OpenSSL's error queue to Vigil errors. Authentication
// failures never come through here: callers report them as the generic
// kDataLoss "decryption failed" so that no detail can act as an oracle.

#include <string_view>

#include "vigil/core/result.h"

namespace vigil::crypto::internal {

// Drains OpenSSL's thread-local error queue into one kInternal error:
// "<what>: <first OpenSSL reason>".
Error FromOpenSsl(std::string_view what);

}  // namespace vigil::crypto::internal
