// SPDX-License-Identifier: Apache-2.0
#pragma once

// The HTTP/1.1 + WebSocket server of the net module: listener → one session
// coroutine per connection on its own strand → a pure handler the server
// module plugs in. TLS 1.3 only (or plain HTTP when explicitly asked), bounded
// bodies, whole-request deadlines, a request cap per connection, a connection
// cap, graceful shutdown, metrics and one log line per request.
// No Boost type appears here. See docs/design/005-net.md.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "vigil/core/result.h"
#include "vigil/net/http_message.h"
#include "vigil/net/observability.h"

namespace vigil::net {

inline constexpr std::size_t kDefaultBodyLimitBytes = 1 << 20;  // 1 MiB
inline constexpr std::chrono::seconds kDefaultRequestTimeout{10};
inline constexpr std::chrono::seconds kDefaultIdleTimeout{60};
inline constexpr std::chrono::seconds kDefaultShutdownGrace{5};
inline constexpr std::size_t kDefaultMaxRequestsPerConnection = 100;
inline constexpr std::size_t kDefaultMaxConnections = 1024;
inline constexpr std::size_t kDefaultWebSocketMessageBytes = 64 << 10;
inline constexpr std::chrono::seconds kDefaultWebSocketIdleTimeout{60};

// Limits for one request, decided from its header before the body is read.
struct RouteLimits {
  std::size_t body_limit_bytes = kDefaultBodyLimitBytes;
  // The whole request (header and body) must arrive within this time,
  // counted from its first byte.
  std::chrono::milliseconds request_timeout = kDefaultRequestTimeout;
};

struct ServerOptions {
  std::string host = "127.0.0.1";  // address literal to bind ("::" for all v6+v4)
  std::uint16_t port = 0;          // 0 = ephemeral; see HttpServer::port()

  // TLS 1.3 with these PEM files, unless `insecure_plain_http` is set (then
  // both paths must be empty).
  std::string certificate_pem_path;
  std::string private_key_pem_path;
  bool insecure_plain_http = false;

  // Defaults for every request; `route_limits` may change them per request.
  RouteLimits default_limits;
  // Called on the header (body empty) of each request before its body is
  // read, e.g. to raise the body limit for an upload route. Must be fast and
  // thread-safe; may be empty.
  std::function<RouteLimits(const HttpRequest& header)> route_limits;

  // A kept-alive connection with no new request for this long is closed.
  std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout;
  // A connection serves at most this many requests (pipelined or not); the
  // last response carries "Connection: close".
  std::size_t max_requests_per_connection = kDefaultMaxRequestsPerConnection;
  // Connections beyond this are closed as soon as they are accepted.
  std::size_t max_connections = kDefaultMaxConnections;
  // Worker threads running handlers and I/O (Run() uses the caller plus
  // threads - 1 more).
  int threads = 2;
  // Stop(): in-flight requests get this long to finish before every
  // connection is closed.
  std::chrono::milliseconds shutdown_grace = kDefaultShutdownGrace;

  std::size_t websocket_message_limit_bytes = kDefaultWebSocketMessageBytes;
  // A WebSocket with no traffic for this long is closed (pings are sent at
  // half of it).
  std::chrono::milliseconds websocket_idle_timeout = kDefaultWebSocketIdleTimeout;

  // Null → a registry owned by the server. The net layer records
  // vigil_http_requests_total{class}, vigil_http_connections_open,
  // vigil_http_bytes_{received,sent}_total, vigil_http_request_duration_seconds
  // and vigil_websocket_connections_open.
  std::shared_ptr<MetricsRegistry> metrics;
  // Null → StderrJsonLogger().
  std::shared_ptr<Logger> logger;
};

// Answers one HTTP request. Runs on a worker thread, concurrently with other
// calls: must be thread-safe. May block (it holds that worker). An escaped
// exception becomes a 500 JSON error and is logged as a bug.
using Handler = std::function<HttpResponse(const HttpRequest&, const PeerInfo&)>;

// Decides a WebSocket upgrade request (e.g. from its bearer token). Returns the
// key to register the socket under (e.g. a session hash), or an error that is
// sent as a JsonError with HttpStatusFor(code) (kUnauthenticated → 401 ...).
using WebSocketHandler = std::function<Result<std::string>(const HttpRequest&, const PeerInfo&)>;

// One text message received on an accepted WebSocket.
struct WebSocketMessage {
  std::string key;              // as returned by the WebSocketHandler
  std::uint64_t connection_id;  // for WebSocketHub::SendTo
  std::string text;
};
// Called on the socket's strand; must be thread-safe and should not block.
using WebSocketMessageHandler = std::function<void(const WebSocketMessage&)>;

// The accepted WebSockets, grouped by key. Sends are queued per socket (a
// socket whose queue overflows is closed as a slow consumer) and never block.
// Thread-safe; owned by the HttpServer.
class WebSocketHub {
 public:
  struct State;
  explicit WebSocketHub(std::shared_ptr<State> state) : state_(std::move(state)) {}

  // Queues `text` to every socket under `key`; returns how many.
  std::size_t Send(std::string_view key, std::string_view text);
  // Queues `text` to one socket; false if it is gone.
  bool SendTo(std::uint64_t connection_id, std::string_view text);
  // Queues `text` to every socket; returns how many.
  std::size_t Broadcast(std::string_view text);
  // Unregisters every socket under `key` at once (later Sends miss them) and
  // closes each with code 1008 (policy violation). Each socket is closed
  // within 1 s even if the peer does not answer the close handshake. Returns
  // how many.
  std::size_t CloseAll(std::string_view key);
  // Open sockets under `key`, or in total.
  std::size_t Count(std::string_view key) const;
  std::size_t Count() const;

 private:
  std::shared_ptr<State> state_;
};

class HttpServer {
 public:
  // Loads the certificate and key, binds and listens (so port() and url() are
  // known on return; connections queue in the backlog until Run()).
  // Errors: kInvalidArgument for inconsistent options or an unparsable host,
  // kFailedPrecondition for unreadable/mismatched TLS files, FromAsio of the
  // bind/listen error (address in use → kUnavailable).
  // `websocket` may be empty: upgrade requests then get 404.
  static Result<std::unique_ptr<HttpServer>> Create(ServerOptions options, Handler handler,
                                                    WebSocketHandler websocket = {},
                                                    WebSocketMessageHandler on_message = {});
  ~HttpServer();  // Stops and waits for Run() to return.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Accepts and serves until Stop(); then returns once every connection is
  // closed. Call once, from one thread.
  Status Run();
  // Graceful shutdown, from any thread, idempotent: stop accepting, close idle
  // connections and WebSockets (1001 going away), let in-flight requests
  // finish (their responses carry Connection: close) for up to
  // `shutdown_grace`, then close everything.
  void Stop();
  // Makes SIGINT and SIGTERM call Stop() while Run() runs. Call before Run().
  void StopOnSignals();

  std::uint16_t port() const;
  // "https://127.0.0.1:8443" (IPv6 hosts in brackets).
  std::string url() const;
  WebSocketHub& hub();
  MetricsRegistry& metrics();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::net
