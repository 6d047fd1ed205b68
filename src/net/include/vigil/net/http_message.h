// SPDX-License-Identifier: Apache-2.0
#pragma once

// Plain HTTP message values shared by the server and the client of the net
// module (docs/design/005-net.md). They carry no sockets and no Boost types,
// so handlers written against them are pure functions that compile fast and
// test without a network. The net module owns transport only: HTTP/1.1 and
// WebSocket over TLS 1.3, certificates, metrics and request logs; it holds no
// Vigil business logic.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/result.h"

namespace vigil::net {

// Header fields in arrival order. Names compare case-insensitively.
class Headers {
 public:
  // Replaces every field named `name` with one field.
  void Set(std::string_view name, std::string_view value);
  // Appends a field (for repeatable fields).
  void Add(std::string_view name, std::string_view value);
  // The first value of `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  void Remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// One HTTP request. `target` is the raw request-target ("/v1/x?y=1").
struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;
  Headers headers;
  std::string body;

  // `target` before the first '?'.
  std::string_view Path() const;
  // `target` after the first '?', or "".
  std::string_view Query() const;
  // The token of an "Authorization: Bearer <token>" header, or nullopt.
  std::optional<std::string_view> BearerToken() const;
};

// One HTTP response. The server sets Content-Length and Connection itself.
struct HttpResponse {
  unsigned status = 200;
  Headers headers;
  std::string body;

  // A response with Content-Type: application/json.
  static HttpResponse Json(unsigned status, std::string body);
  // A response with Content-Type: text/plain; charset=utf-8.
  static HttpResponse Text(unsigned status, std::string body);
};

// Who is on the other end of a connection.
struct PeerInfo {
  std::string address;  // "127.0.0.1", "::1", ...
  std::uint16_t port = 0;
  bool tls = false;
};

// The project's error body: {"error":{"code":"<code>","message":"<message>"}}
// with Content-Type application/json. `code` is an ErrorCodeName
// ("invalid_argument"); `message` is JSON-escaped here.
HttpResponse JsonError(unsigned status, std::string_view code, std::string_view message);

// The same body for `error`, with the HTTP status HttpStatusFor(error.code).
HttpResponse JsonError(const Error& error);

// The HTTP status for a canonical code (kInvalidArgument → 400,
// kUnauthenticated → 401, kPermissionDenied → 403, kNotFound → 404,
// kAlreadyExists/kAborted → 409, kFailedPrecondition → 412 ... kInternal → 500,
// kUnavailable → 503, kDeadlineExceeded → 504).
unsigned HttpStatusFor(ErrorCode code);

// `text` as the inside of a JSON string literal (quotes, backslashes and
// control characters escaped; other bytes copied).
std::string JsonEscape(std::string_view text);

}  // namespace vigil::net
