// SPDX-License-Identifier: Apache-2.0
#include "internal/asio_error.h"

#include <string>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

#include "vigil/core/os_error.h"

namespace vigil::net {

Error FromAsio(const boost::system::error_code& ec, std::string_view what) {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  std::string message = std::string(what) + ": " + ec.message();
  auto make = [&](ErrorCode code) { return Error{code, message}; };

  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return make(ErrorCode::kDeadlineExceeded);
  }
  if (ec == asio::error::operation_aborted) return make(ErrorCode::kCancelled);
  if (ec == asio::error::connection_refused || ec == asio::error::connection_reset ||
      ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
      ec == asio::error::eof || ec == asio::error::not_connected ||
      ec == asio::error::host_unreachable || ec == asio::error::network_unreachable ||
      ec == asio::ssl::error::stream_truncated) {
    return make(ErrorCode::kUnavailable);
  }
  if (ec.category() == asio::error::get_netdb_category() ||
      ec.category() == asio::error::get_addrinfo_category()) {
    return make(ErrorCode::kUnavailable);
  }
  if (ec.category() == asio::error::get_ssl_category()) {
    if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      return make(ErrorCode::kUnauthenticated);
    }
    return make(ErrorCode::kUnavailable);
  }
  if (ec.category() == beast::http::make_error_code(beast::http::error::end_of_stream).category()) {
    if (ec == beast::http::error::body_limit || ec == beast::http::error::header_limit ||
        ec == beast::http::error::buffer_overflow) {
      return make(ErrorCode::kResourceExhausted);
    }
    if (ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message) {
      return make(ErrorCode::kUnavailable);
    }
    return make(ErrorCode::kInvalidArgument);
  }
  if (ec.category() ==
      beast::websocket::make_error_code(beast::websocket::error::closed).category()) {
    if (ec == beast::websocket::error::closed) return make(ErrorCode::kUnavailable);
    if (ec == beast::websocket::error::message_too_big ||
        ec == beast::websocket::error::buffer_overflow) {
      return make(ErrorCode::kResourceExhausted);
    }
    return make(ErrorCode::kInvalidArgument);
  }
  if (ec.category() == boost::system::system_category() ||
      ec.category() == boost::system::generic_category()) {
    return FromErrno(ec.value(), what);
  }
  return make(ErrorCode::kInternal);
}

}  // namespace vigil::net
