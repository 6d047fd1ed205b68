// SPDX-License-Identifier: Apache-2.0
#pragma once

// Conversions between the net module's plain message values and Beast's, and
// the completion token every coroutine uses. Internal: includes Beast.

#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>

#include "vigil/net/http_message.h"

namespace vigil::net::internal {

// Every fallible co_await returns (error_code, ...) instead of throwing.
inline constexpr auto kTok = boost::asio::as_tuple(boost::asio::use_awaitable);

// Copies method, target and fields; moves the body when `take_body`.
template <class Fields>
HttpRequest ToHttpRequest(boost::beast::http::request<boost::beast::http::string_body, Fields>& req,
                          bool take_body) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  for (const auto& field : req) r.headers.Add(field.name_string(), field.value());
  if (take_body) r.body = std::move(req.body());
  return r;
}

inline HttpResponse ToHttpResponse(
    boost::beast::http::response<boost::beast::http::string_body>& res) {
  HttpResponse r;
  r.status = res.result_int();
  for (const auto& field : res) r.headers.Add(field.name_string(), field.value());
  r.body = std::move(res.body());
  return r;
}

// Fields the transport owns; values a handler or caller sets for them are dropped.
inline bool IsTransportField(std::string_view name) {
  for (std::string_view owned : {"content-length", "connection", "transfer-encoding", "upgrade"}) {
    if (name.size() == owned.size()) {
      bool same = true;
      for (std::size_t i = 0; i < name.size() && same; ++i) {
        same = (name[i] | 0x20) == owned[i];
      }
      if (same) return true;
    }
  }
  return false;
}

}  // namespace vigil::net::internal
