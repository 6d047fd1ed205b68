// SPDX-License-Identifier: Apache-2.0
#include "vigil/net/http_server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "internal/asio_error.h"
#include "internal/beast_message.h"

namespace vigil::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using internal::kTok;
using Clock = std::chrono::steady_clock;

using PlainStream = beast::tcp_stream;
using TlsStream = ssl::stream<beast::tcp_stream>;

constexpr std::size_t kHeaderLimitBytes = 16 << 10;
constexpr std::size_t kReadChunkBytes = 4 << 10;
// After an error response or the last response of a connection, the server
// half-closes and reads (and drops) what the client still sends for at most
// this long, so the client sees the response instead of a reset.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr std::size_t kLingerBytes = 256 << 10;
// WebSocket close handshake bound, and the hard cut-off behind it (< 1 s).
constexpr auto kWebSocketCloseTimeout = std::chrono::milliseconds(500);
constexpr auto kWebSocketForceClose = std::chrono::milliseconds(900);
constexpr std::size_t kMaxQueuedWebSocketMessages = 256;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

bool IsHttpProtocolError(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message &&
         ec != http::error::need_more;
}

// A connection as the server's registry sees it.
class Connection {
 public:
  virtual ~Connection() = default;
  // Posts to the connection's strand: close it when idle (or always when
  // `force`); a WebSocket gets a "going away" close instead.
  virtual void Shutdown(bool force) = 0;
};

// A WebSocket as the hub sees it. Both calls post to the socket's strand.
class WebSocketEndpoint {
 public:
  virtual ~WebSocketEndpoint() = default;
  virtual void Enqueue(std::string text) = 0;
  virtual void RequestClose(websocket::close_code code) = 0;
};

}  // namespace

struct WebSocketHub::State {
  mutable std::mutex mu;
  std::map<std::string, std::map<std::uint64_t, std::weak_ptr<WebSocketEndpoint>>, std::less<>>
      by_key;
  std::unordered_map<std::uint64_t, std::string> key_of;

  void Add(const std::string& key, std::uint64_t id, std::weak_ptr<WebSocketEndpoint> endpoint) {
    std::lock_guard lock(mu);
    by_key[key][id] = std::move(endpoint);
    key_of[id] = key;
  }
  void Remove(std::uint64_t id) {
    std::lock_guard lock(mu);
    auto k = key_of.find(id);
    if (k == key_of.end()) return;
    auto it = by_key.find(k->second);
    if (it != by_key.end()) {
      it->second.erase(id);
      if (it->second.empty()) by_key.erase(it);
    }
    key_of.erase(k);
  }
  std::vector<std::shared_ptr<WebSocketEndpoint>> Collect(std::string_view key) const {
    std::vector<std::shared_ptr<WebSocketEndpoint>> out;
    std::lock_guard lock(mu);
    auto it = by_key.find(key);
    if (it == by_key.end()) return out;
    for (const auto& [id, weak] : it->second) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }
};

std::size_t WebSocketHub::Send(std::string_view key, std::string_view text) {
  auto targets = state_->Collect(key);
  for (auto& t : targets) t->Enqueue(std::string(text));
  return targets.size();
}

bool WebSocketHub::SendTo(std::uint64_t connection_id, std::string_view text) {
  std::shared_ptr<WebSocketEndpoint> target;
  {
    std::lock_guard lock(state_->mu);
    auto k = state_->key_of.find(connection_id);
    if (k == state_->key_of.end()) return false;
    target = state_->by_key[k->second][connection_id].lock();
  }
  if (!target) return false;
  target->Enqueue(std::string(text));
  return true;
}

std::size_t WebSocketHub::Broadcast(std::string_view text) {
  std::vector<std::shared_ptr<WebSocketEndpoint>> targets;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [key, sockets] : state_->by_key) {
      for (const auto& [id, weak] : sockets) {
        if (auto s = weak.lock()) targets.push_back(std::move(s));
      }
    }
  }
  for (auto& t : targets) t->Enqueue(std::string(text));
  return targets.size();
}

std::size_t WebSocketHub::CloseAll(std::string_view key) {
  std::vector<std::shared_ptr<WebSocketEndpoint>> targets;
  {
    std::lock_guard lock(state_->mu);
    auto it = state_->by_key.find(key);
    if (it == state_->by_key.end()) return 0;
    for (const auto& [id, weak] : it->second) {
      state_->key_of.erase(id);
      if (auto s = weak.lock()) targets.push_back(std::move(s));
    }
    state_->by_key.erase(it);
  }
  for (auto& t : targets) t->RequestClose(websocket::close_code::policy_error);
  return targets.size();
}

std::size_t WebSocketHub::Count(std::string_view key) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->by_key.find(key);
  return it == state_->by_key.end() ? 0 : it->second.size();
}

std::size_t WebSocketHub::Count() const {
  std::lock_guard lock(state_->mu);
  return state_->key_of.size();
}

namespace internal {

// The server's shared state; HttpServer::Impl is this.
struct ServerCore {
  ServerCore(ServerOptions o, Handler h, WebSocketHandler w, WebSocketMessageHandler m)
      : options(std::move(o)),
        handler(std::move(h)),
        websocket_handler(std::move(w)),
        on_message(std::move(m)),
        metrics(options.metrics ? options.metrics : std::make_shared<MetricsRegistry>()),
        logger(options.logger ? options.logger : StderrJsonLogger()),
        ioc(std::max(1, options.threads)) {
    for (int c = 1; c <= 5; ++c) {
      status_class[c] = &metrics->GetCounter("vigil_http_requests_total",
                                             "HTTP requests answered, by status class",
                                             {{"class", std::to_string(c) + "xx"}});
    }
    open_connections = &metrics->GetGauge("vigil_http_connections_open", "Open client connections");
    refused_connections = &metrics->GetCounter("vigil_http_connections_refused_total",
                                               "Connections closed at accept (over the limit)");
    bytes_in = &metrics->GetCounter("vigil_http_bytes_received_total",
                                    "HTTP request bytes parsed (header and body)");
    bytes_out = &metrics->GetCounter("vigil_http_bytes_sent_total", "HTTP response bytes written");
    latency = &metrics->GetHistogram("vigil_http_request_duration_seconds",
                                     "Time from a request's first byte to its response written",
                                     DefaultLatencyBuckets());
    websockets_open = &metrics->GetGauge("vigil_websocket_connections_open", "Open WebSockets");
    bugs = &metrics->GetCounter("vigil_net_bugs_total",
                                "Exceptions that escaped a handler or coroutine (bugs)");
  }

  ~ServerCore() { destroying = true; }

  void Register(std::uint64_t id, std::weak_ptr<Connection> c) {
    std::lock_guard lock(conns_mu);
    conns[id] = std::move(c);
  }

  void Unregister(std::uint64_t id) {
    bool last;
    {
      std::lock_guard lock(conns_mu);
      conns.erase(id);
      last = conns.empty();
    }
    if (last && stopping && !destroying) {
      asio::post(control, [this] { grace_timer.cancel(); });
    }
  }

  std::size_t ConnectionCount() {
    std::lock_guard lock(conns_mu);
    return conns.size();
  }

  void ShutdownAll(bool force) {
    std::vector<std::shared_ptr<Connection>> all;
    {
      std::lock_guard lock(conns_mu);
      for (auto& [id, weak] : conns) {
        if (auto c = weak.lock()) all.push_back(std::move(c));
      }
    }
    for (auto& c : all) c->Shutdown(force);
  }

  void Stop() {
    if (stopping.exchange(true)) return;
    asio::post(control, [this] {
      boost::system::error_code ec;
      acceptor.close(ec);
      if (signals) signals->cancel(ec);
      logger->LogEvent("info", "stopping: no new connections; in-flight requests may finish");
      ShutdownAll(false);
      grace_timer.expires_after(options.shutdown_grace);
      grace_timer.async_wait([this](boost::system::error_code) { ShutdownAll(true); });
      if (ConnectionCount() == 0) grace_timer.cancel();
    });
  }

  // The co_spawn completion handler: an escaped exception is a bug.
  auto Completion(const char* what) {
    return [this, what](const std::exception_ptr& e) {
      if (!e) return;
      bugs->Increment();
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        logger->LogEvent("error", std::string("bug: exception escaped ") + what + ": " + ex.what());
      } catch (...) {
        logger->LogEvent("error", std::string("bug: unknown exception escaped ") + what);
      }
    };
  }

  void CountRequest(unsigned status, double seconds, std::size_t bytes_written) {
    unsigned c = std::clamp(status / 100, 1u, 5u);
    status_class[c]->Increment();
    latency->Observe(seconds);
    bytes_out->Increment(bytes_written);
  }

  asio::awaitable<void> AcceptLoop();
  void StartSession(tcp::socket socket);

  ServerOptions options;
  Handler handler;
  WebSocketHandler websocket_handler;
  WebSocketMessageHandler on_message;
  std::shared_ptr<MetricsRegistry> metrics;
  std::shared_ptr<Logger> logger;
  Counter* status_class[6] = {};
  Gauge* open_connections = nullptr;
  Counter* refused_connections = nullptr;
  Counter* bytes_in = nullptr;
  Counter* bytes_out = nullptr;
  Histogram* latency = nullptr;
  Gauge* websockets_open = nullptr;
  Counter* bugs = nullptr;

  std::shared_ptr<WebSocketHub::State> hub_state = std::make_shared<WebSocketHub::State>();
  WebSocketHub hub{hub_state};

  std::mutex conns_mu;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> conns;
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<bool> stopping{false};
  std::atomic<bool> destroying{false};

  std::mutex run_mu;
  std::condition_variable run_cv;
  bool run_called = false;
  bool run_active = false;

  std::uint16_t port = 0;
  std::string url;
  std::optional<ssl::context> tls;

  // I/O objects last: the io_context is destroyed before everything above,
  // so coroutine frames it destroys may still touch the registry and metrics.
  asio::io_context ioc;
  asio::strand<asio::io_context::executor_type> control{asio::make_strand(ioc)};
  tcp::acceptor acceptor{control};
  asio::steady_timer grace_timer{control};
  std::optional<asio::signal_set> signals;
};

}  // namespace internal

struct HttpServer::Impl : internal::ServerCore {
  using ServerCore::ServerCore;
};

namespace {

using internal::ServerCore;

// One client connection: HTTP/1.1 requests in order, then possibly a
// WebSocket. Runs as coroutines on its own strand; posted calls hold a
// weak_ptr, coroutines hold a shared_ptr.
template <class Stream>
class Session final : public Connection,
                      public WebSocketEndpoint,
                      public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(ServerCore& core, Stream stream, PeerInfo peer, std::uint64_t id)
      : core_(core),
        ex_(stream.get_executor()),
        stream_(std::move(stream)),
        peer_(std::move(peer)),
        id_(id),
        wake_(ex_),
        force_close_timer_(ex_) {
    core_.open_connections->Add(1);
  }

  ~Session() override {
    core_.open_connections->Add(-1);
    core_.Unregister(id_);
  }

  const asio::any_io_executor& executor() const { return ex_; }

  static asio::awaitable<void> Run(std::shared_ptr<Session> self) {
    if constexpr (kIsTls<Stream>) {
      self->Tcp().expires_after(self->core_.options.default_limits.request_timeout);
      auto [ec] = co_await self->stream_->async_handshake(ssl::stream_base::server, kTok);
      if (ec) co_return;
    }
    co_await self->ServeHttp();
  }

  void Shutdown(bool force) override {
    asio::post(ex_, [weak = this->weak_from_this(), force] {
      auto self = weak.lock();
      if (!self) return;
      if (self->ws_accepted_ && !force) {
        self->CloseWebSocket(websocket::close_code::going_away);
      } else if (force || !self->busy_) {
        self->Tcp().close();
      }
    });
  }

  void Enqueue(std::string text) override {
    asio::post(ex_, [weak = this->weak_from_this(), text = std::move(text)]() mutable {
      auto self = weak.lock();
      if (!self || self->close_code_ || self->reader_done_) return;
      if (self->queue_.size() >= kMaxQueuedWebSocketMessages) {
        self->CloseWebSocket(websocket::close_code::try_again_later);  // slow consumer
        return;
      }
      self->queue_.push_back(std::move(text));
      self->wake_.cancel();
    });
  }

  void RequestClose(websocket::close_code code) override {
    asio::post(ex_, [weak = this->weak_from_this(), code] {
      if (auto self = weak.lock()) self->CloseWebSocket(code);
    });
  }

 private:
  beast::tcp_stream& Tcp() {
    return ws_ ? beast::get_lowest_layer(*ws_) : beast::get_lowest_layer(*stream_);
  }

  // On the strand. Starts the close handshake and arms the hard cut-off.
  void CloseWebSocket(websocket::close_code code) {
    if (!ws_accepted_) {
      Tcp().close();
      return;
    }
    if (close_code_) return;
    close_code_ = code;
    wake_.cancel();
    force_close_timer_.expires_after(kWebSocketForceClose);
    force_close_timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->Tcp().close();
    });
  }

  void Log(RequestLogEntry& entry, unsigned status, std::size_t bytes_written,
           Clock::time_point started) {
    auto elapsed = Clock::now() - started;
    entry.status = status;
    entry.bytes_out = bytes_written;
    entry.duration_ms = std::chrono::duration<double, std::milli>(elapsed).count();
    core_.CountRequest(status, entry.duration_ms / 1000.0, bytes_written);
    core_.logger->LogRequest(entry);
  }

  http::response<http::string_body> ToBeast(HttpResponse response, unsigned version,
                                            bool keep_alive) {
    http::response<http::string_body> res;
    res.version(version);
    res.result(response.status);
    for (auto& [name, value] : response.headers.fields()) {
      if (!internal::IsTransportField(name)) res.insert(name, value);
    }
    res.body() = std::move(response.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
  }

  // Writes an error response, half-closes, drains briefly and closes.
  asio::awaitable<void> RespondAndClose(HttpResponse response, unsigned version,
                                        RequestLogEntry& entry, Clock::time_point started) {
    auto res = ToBeast(std::move(response), version, false);
    unsigned status = res.result_int();
    Tcp().expires_after(core_.options.default_limits.request_timeout);
    // clang-tidy 14 misreads a co_await after a by-value parameter was moved.
    // NOLINTNEXTLINE(bugprone-use-after-move)
    auto [ec, n] = co_await http::async_write(*stream_, res, kTok);
    Log(entry, status, n, started);
    if (!ec) co_await LingeringClose();
    Tcp().close();
  }

  asio::awaitable<void> LingeringClose() {
    boost::system::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    Tcp().expires_after(kLingerTime);
    std::vector<char> scratch(kReadChunkBytes);
    std::size_t total = 0;
    while (total < kLingerBytes) {
      auto [ec, n] = co_await Tcp().async_read_some(asio::buffer(scratch), kTok);
      if (ec) break;
      total += n;
    }
    Tcp().close();
  }

  HttpResponse CallHandler(const HttpRequest& request) {
    try {
      return core_.handler(request, peer_);
    } catch (const std::exception& e) {
      core_.bugs->Increment();
      core_.logger->LogEvent("error", std::string("bug: handler threw: ") + e.what());
    } catch (...) {
      core_.bugs->Increment();
      core_.logger->LogEvent("error", "bug: handler threw a non-exception");
    }
    return JsonError(500, "internal", "internal error");
  }

  asio::awaitable<void> ServeHttp() {
    const ServerOptions& opt = core_.options;
    for (std::size_t served = 0;;) {
      busy_ = false;
      if (core_.stopping) break;
      // Wait for the first byte of the next request: the idle timeout applies
      // between requests, the request timeout to a fresh connection.
      if (buffer_.size() == 0) {
        Tcp().expires_after(served == 0 ? opt.default_limits.request_timeout : opt.idle_timeout);
        auto [ec, n] = co_await stream_->async_read_some(buffer_.prepare(kReadChunkBytes), kTok);
        if (ec) break;
        buffer_.commit(n);
      }
      busy_ = true;
      const auto started = Clock::now();
      RequestLogEntry entry;
      entry.time = std::chrono::system_clock::now();
      entry.remote = peer_.address;

      http::request_parser<http::string_body> parser;
      parser.header_limit(kHeaderLimitBytes);
      parser.body_limit(boost::none);  // decided below, once the route is known
      Tcp().expires_at(started + opt.default_limits.request_timeout);
      auto [hec, header_bytes] = co_await http::async_read_header(*stream_, buffer_, parser, kTok);
      core_.bytes_in->Increment(header_bytes);
      if (hec) {
        if (hec == http::error::header_limit) {
          // RFC 6585 §5: say which limit, not just "malformed".
          entry.method = "-";
          entry.path = "-";
          co_await RespondAndClose(JsonError(431, "resource_exhausted",
                                             "request line and headers over " +
                                                 std::to_string(kHeaderLimitBytes) + " bytes"),
                                   11, entry, started);
        } else if (IsHttpProtocolError(hec)) {
          entry.method = "-";
          entry.path = "-";
          co_await RespondAndClose(
              JsonError(400, "invalid_argument", "malformed HTTP request: " + hec.message()), 11,
              entry, started);
        }
        break;
      }
      auto& header = parser.get();
      entry.method = std::string(header.method_string());
      entry.path = std::string(header.target().substr(0, header.target().find('?')));
      const unsigned version = header.version();

      RouteLimits limits = opt.default_limits;
      if (opt.route_limits) {
        HttpRequest head = internal::ToHttpRequest(header, false);
        bool threw = false;
        try {
          limits = opt.route_limits(head);
        } catch (...) {
          threw = true;
        }
        if (threw) {
          core_.bugs->Increment();
          core_.logger->LogEvent("error", "bug: route_limits threw");
          co_await RespondAndClose(JsonError(500, "internal", "internal error"), version, entry,
                                   started);
          break;
        }
      }
      Tcp().expires_at(started + limits.request_timeout);
      auto declared = parser.content_length();
      if (declared && *declared > limits.body_limit_bytes) {
        co_await RespondAndClose(
            JsonError(413, "resource_exhausted",
                      "request body over " + std::to_string(limits.body_limit_bytes) + " bytes"),
            version, entry, started);
        break;
      }
      parser.body_limit(limits.body_limit_bytes);
      if (!parser.is_done()) {
        auto [bec, body_bytes] = co_await http::async_read(*stream_, buffer_, parser, kTok);
        core_.bytes_in->Increment(body_bytes);
        if (bec == http::error::body_limit) {
          co_await RespondAndClose(
              JsonError(413, "resource_exhausted",
                        "request body over " + std::to_string(limits.body_limit_bytes) + " bytes"),
              version, entry, started);
          break;
        }
        if (bec) {
          if (IsHttpProtocolError(bec)) {
            co_await RespondAndClose(
                JsonError(400, "invalid_argument", "malformed HTTP request: " + bec.message()),
                version, entry, started);
          }
          break;
        }
      }
      auto req = parser.release();
      entry.bytes_in = header_bytes + req.body().size();

      if (websocket::is_upgrade(req)) {
        co_await ServeWebSocket(std::move(req), entry, started);
        co_return;
      }

      HttpRequest request = internal::ToHttpRequest(req, true);
      HttpResponse response = CallHandler(request);
      ++served;
      const bool keep_alive =
          req.keep_alive() && !core_.stopping && served < opt.max_requests_per_connection;
      auto res = ToBeast(std::move(response), version, keep_alive);
      const unsigned status = res.result_int();
      Tcp().expires_after(limits.request_timeout);
      auto [wec, written] = co_await http::async_write(*stream_, res, kTok);
      Log(entry, status, written, started);
      if (wec) break;
      if (!keep_alive) {
        busy_ = false;
        co_await LingeringClose();
        break;
      }
    }
    Tcp().close();
  }

  asio::awaitable<void> ServeWebSocket(http::request<http::string_body> req, RequestLogEntry& entry,
                                       Clock::time_point started) {
    const ServerOptions& opt = core_.options;
    Result<std::string> key = Fail(ErrorCode::kNotFound, "no WebSocket endpoint here");
    if (core_.websocket_handler) {
      HttpRequest request = internal::ToHttpRequest(req, true);
      try {
        key = core_.websocket_handler(request, peer_);
      } catch (...) {
        core_.bugs->Increment();
        core_.logger->LogEvent("error", "bug: websocket handler threw");
        key = Fail(ErrorCode::kInternal, "internal error");
      }
    }
    if (!key) {
      co_await RespondAndClose(JsonError(key.error()), req.version(), entry, started);
      co_return;
    }
    ws_.emplace(std::move(*stream_));
    stream_.reset();
    Tcp().expires_never();  // the websocket stream keeps its own timers
    ws_->set_option(websocket::stream_base::timeout{opt.default_limits.request_timeout,
                                                    opt.websocket_idle_timeout, true});
    ws_->read_message_max(opt.websocket_message_limit_bytes);
    auto [ec] = co_await ws_->async_accept(req, kTok);
    Log(entry, ec ? 400 : 101, 0, started);
    if (ec) co_return;
    // From now on a close handshake may take at most kWebSocketCloseTimeout.
    ws_->set_option(
        websocket::stream_base::timeout{kWebSocketCloseTimeout, opt.websocket_idle_timeout, true});
    ws_accepted_ = true;
    key_ = std::move(*key);
    auto self = this->shared_from_this();
    core_.hub_state->Add(key_, id_, std::weak_ptr<WebSocketEndpoint>(self));
    core_.websockets_open->Add(1);
    if (core_.stopping) CloseWebSocket(websocket::close_code::going_away);
    asio::co_spawn(ex_, WriteLoop(self), core_.Completion("websocket writer"));

    beast::flat_buffer buffer;
    for (;;) {
      auto [rec, n] = co_await ws_->async_read(buffer, kTok);
      if (rec) break;
      if (ws_->got_text() && core_.on_message) {
        WebSocketMessage message{key_, id_, beast::buffers_to_string(buffer.data())};
        try {
          core_.on_message(message);
        } catch (...) {
          core_.bugs->Increment();
          core_.logger->LogEvent("error", "bug: websocket message handler threw");
        }
      }
      buffer.consume(buffer.size());
    }
    core_.hub_state->Remove(id_);
    core_.websockets_open->Add(-1);
    reader_done_ = true;
    wake_.cancel();
    Tcp().close();
  }

  static asio::awaitable<void> WriteLoop(std::shared_ptr<Session> self) {
    for (;;) {
      if (self->reader_done_) co_return;
      if (self->close_code_) {
        auto [ec] =
            co_await self->ws_->async_close(websocket::close_reason(*self->close_code_), kTok);
        if (ec) self->Tcp().close();
        co_return;
      }
      if (self->queue_.empty()) {
        self->wake_.expires_at(Clock::time_point::max());
        co_await self->wake_.async_wait(kTok);
        continue;
      }
      std::string text = std::move(self->queue_.front());
      self->queue_.pop_front();
      self->ws_->text(true);
      auto [ec, n] = co_await self->ws_->async_write(asio::buffer(text), kTok);
      if (ec) {
        self->Tcp().close();
        co_return;
      }
    }
  }

  ServerCore& core_;
  asio::any_io_executor ex_;
  std::optional<Stream> stream_;
  std::optional<websocket::stream<Stream>> ws_;
  beast::flat_buffer buffer_;
  PeerInfo peer_;
  std::uint64_t id_;
  bool busy_ = false;
  bool ws_accepted_ = false;
  bool reader_done_ = false;
  std::optional<websocket::close_code> close_code_;
  std::string key_;
  std::deque<std::string> queue_;
  asio::steady_timer wake_;
  asio::steady_timer force_close_timer_;
};

}  // namespace

asio::awaitable<void> internal::ServerCore::AcceptLoop() {
  asio::steady_timer retry(control);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kTok);
    if (stopping || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // EMFILE and friends: back off instead of spinning.
      logger->LogEvent("warning", FromAsio(ec, "accept").ToString());
      retry.expires_after(kAcceptRetryDelay);
      co_await retry.async_wait(kTok);
      continue;
    }
    if (ConnectionCount() >= options.max_connections) {
      refused_connections->Increment();
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    StartSession(std::move(socket));
  }
}

void internal::ServerCore::StartSession(tcp::socket socket) {
  boost::system::error_code ec;
  auto remote = socket.remote_endpoint(ec);
  if (ec) return;
  socket.set_option(tcp::no_delay(true), ec);
  PeerInfo peer{remote.address().to_string(), remote.port(), tls.has_value()};
  const std::uint64_t id = next_id++;
  if (tls) {
    auto s = std::make_shared<Session<TlsStream>>(
        *this, TlsStream(beast::tcp_stream(std::move(socket)), *tls), std::move(peer), id);
    Register(id, s);
    asio::co_spawn(s->executor(), Session<TlsStream>::Run(s), Completion("session"));
  } else {
    auto s = std::make_shared<Session<PlainStream>>(*this, beast::tcp_stream(std::move(socket)),
                                                    std::move(peer), id);
    Register(id, s);
    asio::co_spawn(s->executor(), Session<PlainStream>::Run(s), Completion("session"));
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
  std::unique_lock lock(impl_->run_mu);
  impl_->run_cv.wait(lock, [&] { return !impl_->run_active; });
}

Result<std::unique_ptr<HttpServer>> HttpServer::Create(ServerOptions options, Handler handler,
                                                       WebSocketHandler websocket,
                                                       WebSocketMessageHandler on_message) {
  if (!handler) return Fail(ErrorCode::kInvalidArgument, "server: a handler is required");
  const bool has_tls_files =
      !options.certificate_pem_path.empty() || !options.private_key_pem_path.empty();
  if (options.insecure_plain_http == has_tls_files) {
    return Fail(ErrorCode::kInvalidArgument,
                "server: give a certificate and key, or set insecure_plain_http (not both)");
  }
  if (!options.insecure_plain_http &&
      (options.certificate_pem_path.empty() || options.private_key_pem_path.empty())) {
    return Fail(ErrorCode::kInvalidArgument, "server: TLS needs both a certificate and a key");
  }
  if (options.threads < 1 || options.max_requests_per_connection < 1 ||
      options.max_connections < 1) {
    return Fail(ErrorCode::kInvalidArgument, "server: threads and limits must be at least 1");
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) return Fail(ErrorCode::kInvalidArgument, "server: host must be an IP address literal");

  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler), std::move(websocket),
                                     std::move(on_message));
  const ServerOptions& opt = impl->options;
  if (!opt.insecure_plain_http) {
    auto& ctx = impl->tls.emplace(ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_3_VERSION);
    ctx.use_certificate_chain_file(opt.certificate_pem_path, ec);
    if (ec) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "server: cannot load certificate " + opt.certificate_pem_path);
    }
    ctx.use_private_key_file(opt.private_key_pem_path, ssl::context::pem, ec);
    if (ec || SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
      return Fail(ErrorCode::kFailedPrecondition, "server: cannot load private key " +
                                                      opt.private_key_pem_path +
                                                      " (or it does not match the certificate)");
    }
  }
  tcp::endpoint endpoint(address, opt.port);
  auto& acceptor = impl->acceptor;
  if (acceptor.open(endpoint.protocol(), ec); ec) return Fail(FromAsio(ec, "server: socket"));
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (address.is_v6() && address.to_v6().is_unspecified()) {
    acceptor.set_option(asio::ip::v6_only(false), ec);
  }
  if (acceptor.bind(endpoint, ec); ec) {
    if (ec == asio::error::address_in_use) {
      return Fail(ErrorCode::kUnavailable, "server: address in use: " + opt.host);
    }
    return Fail(FromAsio(ec, "server: bind " + opt.host));
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Fail(FromAsio(ec, "server: listen"));
  }
  impl->port = acceptor.local_endpoint().port();
  std::string host = address.is_v6() ? "[" + opt.host + "]" : opt.host;
  impl->url =
      (opt.insecure_plain_http ? "http://" : "https://") + host + ":" + std::to_string(impl->port);
  Impl* raw = impl.get();
  asio::co_spawn(raw->control, raw->AcceptLoop(), raw->Completion("accept loop"));
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

Status HttpServer::Run() {
  {
    std::lock_guard lock(impl_->run_mu);
    if (impl_->run_called) return Fail(ErrorCode::kFailedPrecondition, "server: Run called twice");
    impl_->run_called = true;
    impl_->run_active = true;
  }
  impl_->logger->LogEvent("info", "listening on " + impl_->url);
  auto run_io = [this] {
    for (;;) {
      try {
        impl_->ioc.run();
        return;
      } catch (const std::exception& e) {
        impl_->bugs->Increment();
        impl_->logger->LogEvent("error",
                                std::string("bug: exception from io_context: ") + e.what());
      }
    }
  };
  std::vector<std::thread> workers;
  for (int i = 1; i < impl_->options.threads; ++i) workers.emplace_back(run_io);
  run_io();
  for (auto& t : workers) t.join();
  impl_->logger->LogEvent("info", "stopped");
  {
    std::lock_guard lock(impl_->run_mu);
    impl_->run_active = false;
  }
  impl_->run_cv.notify_all();
  return OkStatus();
}

void HttpServer::Stop() { impl_->Stop(); }

void HttpServer::StopOnSignals() {
  Impl* impl = impl_.get();
  asio::post(impl->control, [impl] {
    if (impl->stopping) return;
    impl->signals.emplace(impl->control, SIGINT, SIGTERM);
    impl->signals->async_wait([impl](boost::system::error_code ec, int signal_number) {
      if (ec) return;
      impl->logger->LogEvent("info", "signal " + std::to_string(signal_number) + ": stopping");
      impl->Stop();
    });
  });
}

std::uint16_t HttpServer::port() const { return impl_->port; }
std::string HttpServer::url() const { return impl_->url; }
WebSocketHub& HttpServer::hub() { return impl_->hub; }
MetricsRegistry& HttpServer::metrics() { return *impl_->metrics; }

}  // namespace vigil::net
