// SPDX-License-Identifier: Apache-2.0
#include "vigil/core/os_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace vigil {
namespace {

ErrorCode CodeForErrno(int errno_value) {
  switch (errno_value) {
    case ENOENT:
    case ENOTDIR: return ErrorCode::kNotFound;
    case EEXIST: return ErrorCode::kAlreadyExists;
    case EACCES:
    case EPERM:
    case EROFS: return ErrorCode::kPermissionDenied;
    case ENOSPC:
    case EDQUOT:
    case ENOMEM:
    case EMFILE:
    case ENFILE: return ErrorCode::kResourceExhausted;
    case EINTR:
    case EAGAIN:
    case EBUSY:
    case ECONNREFUSED:
    case ECONNRESET:
    case EPIPE:
    case ETIMEDOUT: return ErrorCode::kUnavailable;
    case EIO: return ErrorCode::kDataLoss;
    case EINVAL:
    case ENAMETOOLONG:
    case EISDIR: return ErrorCode::kInvalidArgument;
    case ECANCELED: return ErrorCode::kCancelled;
    default: return ErrorCode::kInternal;
  }
}

}  // namespace

Error FromErrno(int errno_value, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += std::strerror(errno_value);
  return Error{CodeForErrno(errno_value), std::move(message)};
}

}  // namespace vigil
