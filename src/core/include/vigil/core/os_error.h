// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one mapping from operating-system errors (errno) to Vigil errors.

#include <string_view>

#include "vigil/core/result.h"

namespace vigil {

// Maps `errno_value` to a canonical code (ENOSPC → kResourceExhausted,
// ENOENT → kNotFound, EACCES → kPermissionDenied, EINTR/EAGAIN → kUnavailable,
// EIO → kDataLoss, ...) and builds "<what>: <strerror>".
Error FromErrno(int errno_value, std::string_view what);

}  // namespace vigil
