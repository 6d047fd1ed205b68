// SPDX-License-Identifier: Apache-2.0
#pragma once

// Synchronous HTTP/1.1 and WebSocket clients for the CLI, the camera agent and
// tests. https:// URLs use TLS 1.3 only, verify the server certificate against
// the pinned CA file (or the system store when none is given) and check the
// host name or IP address; http:// URLs are plain. See docs/design/005-net.md.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/core/result.h"
#include "vigil/net/http_message.h"

namespace vigil::net {

struct ClientOptions {
  // PEM file of the CA (or the self-signed server certificate) to trust
  // instead of the system store. Ignored for http:// URLs.
  std::string ca_pem_path;
  std::chrono::milliseconds connect_timeout{5000};   // resolve + TCP + TLS handshake
  std::chrono::milliseconds request_timeout{30000};  // write request + read response
  std::size_t max_response_bytes = 64 << 20;
};

// One keep-alive connection to one origin, reopened when needed.
// Thread-compatible: use one client per thread.
class HttpClient {
 public:
  // `base_url` is "https://host[:port]" or "http://host[:port]" (IPv6 in
  // brackets); nothing is connected yet. Errors: kInvalidArgument for a bad
  // URL, kFailedPrecondition for an unreadable CA file.
  static Result<std::unique_ptr<HttpClient>> Create(std::string_view base_url,
                                                    ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request ("GET", "/v1/x?y", headers, body) and reads the whole
  // response (any status is a success here). Host, Content-Length and
  // User-Agent are set by the client. A reused connection that the server
  // closed before answering is reopened and the request sent once more.
  // Errors (FromAsio): kUnavailable (refused, reset, DNS), kDeadlineExceeded,
  // kUnauthenticated (server certificate or host name not verified),
  // kResourceExhausted (response over max_response_bytes), kInvalidArgument
  // (bad method or malformed response).
  Result<HttpResponse> Request(std::string_view method, std::string_view target,
                               const Headers& headers = {}, std::string body = {});

  // Closes the kept-alive connection, if any.
  void Close();

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A WebSocket connection (text messages). Thread-compatible.
class WebSocketClient {
 public:
  // Connects to base_url + target ("/v1/events") and upgrades, sending
  // "Authorization: Bearer <token>" when `bearer_token` is not empty.
  // Errors as HttpClient::Request; a refused upgrade is kPermissionDenied or
  // kUnauthenticated after the server's status (401 → kUnauthenticated).
  static Result<std::unique_ptr<WebSocketClient>> Connect(std::string_view base_url,
                                                          std::string_view target,
                                                          std::string_view bearer_token,
                                                          const ClientOptions& options = {});
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  Status Send(std::string_view text);
  // The next message; nullopt once the peer closed the socket (then every
  // later call returns nullopt too). kDeadlineExceeded when nothing arrives
  // within `timeout` (the socket stays usable).
  Result<std::optional<std::string>> Read(std::chrono::milliseconds timeout);
  // Sends a normal close and waits up to 1 s for the peer's.
  Status Close();

 private:
  struct Impl;
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::net
