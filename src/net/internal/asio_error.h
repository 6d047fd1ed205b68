// SPDX-License-Identifier: Apache-2.0
#pragma once

// The one mapping from Boost.Asio/Beast/OpenSSL error codes to Vigil errors
// (STYLE rule 5). Internal to the net module: no other module sees Boost.

#include <string_view>

#include <boost/system/error_code.hpp>

#include "vigil/core/result.h"

namespace vigil::net {

// Builds "<what>: <description>" with:
//   connection refused/reset, broken pipe, EOF, host not found → kUnavailable
//   timed out (socket or beast::error::timeout)               → kDeadlineExceeded
//   operation aborted                                         → kCancelled
//   TLS certificate verification failed                       → kUnauthenticated
//     (the peer did not prove its identity; not retryable as is)
//   other TLS errors                                          → kUnavailable
//   HTTP body/header limit exceeded                           → kResourceExhausted
//   other HTTP/WebSocket protocol errors                      → kInvalidArgument
//   other system errors                                       → FromErrno
//   anything else                                             → kInternal
Error FromAsio(const boost::system::error_code& ec, std::string_view what);

}  // namespace vigil::net
