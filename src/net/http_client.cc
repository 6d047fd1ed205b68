// SPDX-License-Identifier: Apache-2.0
#include "vigil/net/http_client.h"

#include <exception>
#include <type_traits>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
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

using PlainStream = beast::tcp_stream;
using TlsStream = ssl::stream<beast::tcp_stream>;

constexpr std::size_t kResponseHeaderLimitBytes = 64 << 10;
constexpr auto kWebSocketCloseWait = std::chrono::seconds(1);

struct Url {
  bool tls = false;
  std::string host;         // without brackets
  std::string port;         // decimal
  std::string host_header;  // "host:port", IPv6 in brackets
};

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  if (text.starts_with("https://")) {
    url.tls = true;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else {
    return Fail(ErrorCode::kInvalidArgument, "url: must start with https:// or http://");
  }
  auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    if (text.substr(slash) != "/") {
      return Fail(ErrorCode::kInvalidArgument, "url: a base URL has no path");
    }
    text = text.substr(0, slash);
  }
  std::string_view host = text;
  std::string_view port;
  if (text.starts_with("[")) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return Fail(ErrorCode::kInvalidArgument, "url: bad IPv6");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return Fail(ErrorCode::kInvalidArgument, "url: bad port");
      port = rest.substr(1);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return Fail(ErrorCode::kInvalidArgument, "url: no host");
  if (port.empty()) port = url.tls ? "443" : "80";
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoul(std::string(port)) > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "url: bad port");
  }
  url.host = std::string(host);
  url.port = std::string(port);
  bool v6 = url.host.find(':') != std::string::npos;
  url.host_header = (v6 ? "[" + url.host + "]" : url.host) + ":" + url.port;
  return url;
}

Result<std::shared_ptr<ssl::context>> MakeClientContext(const ClientOptions& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  boost::system::error_code ec;
  if (options.ca_pem_path.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(options.ca_pem_path, ec);
  }
  if (ec) {
    return Fail(ErrorCode::kFailedPrecondition,
                "tls: cannot load CA file '" + options.ca_pem_path + "': " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

// SNI and the name the certificate must carry: a DNS name, or an IP address
// checked against the IP entries of the subjectAltName.
Status PrepareTls(TlsStream& stream, const std::string& host) {
  SSL* ssl_handle = stream.native_handle();
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  bool ok;
  if (ec) {
    ok = SSL_set_tlsext_host_name(ssl_handle, host.c_str()) == 1 &&
         SSL_set1_host(ssl_handle, host.c_str()) == 1;
  } else {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), host.c_str()) == 1;
  }
  if (!ok) return Fail(ErrorCode::kInternal, "tls: cannot set the expected host name");
  return OkStatus();
}

struct Outcome {
  boost::system::error_code ec;
  std::string what;
  bool got_response_bytes = false;
};

// Runs `work` on `ioc` until it completes (other handlers, such as stale
// timers, may remain queued). False if an exception escaped (a bug).
bool RunSync(asio::io_context& ioc, asio::awaitable<void> work) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(ioc, std::move(work), [&](std::exception_ptr e) {
    error = std::move(e);
    done = true;
  });
  ioc.restart();
  while (!done) {
    try {
      if (ioc.run_one() == 0) break;
    } catch (...) {
      error = std::current_exception();
    }
  }
  return done && !error;
}

template <class Stream>
asio::awaitable<void> ConnectStream(Stream& stream, const Url& url, const ClientOptions& options,
                                    Outcome& out) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp::resolver resolver(co_await asio::this_coro::executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, kTok);
  if (rec) {
    out = {rec, "resolving " + url.host, false};
    co_return;
  }
  tcp_layer.expires_after(options.connect_timeout);
  auto [cec, endpoint] = co_await tcp_layer.async_connect(endpoints, kTok);
  if (cec) {
    out = {cec, "connecting to " + url.host_header, false};
    co_return;
  }
  boost::system::error_code ignored;
  tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kTok);
    if (hec) {
      out = {hec, "TLS handshake with " + url.host_header, false};
      co_return;
    }
  }
  tcp_layer.expires_never();
}

template <class Stream>
asio::awaitable<void> Exchange(Stream& stream, http::request<http::string_body>& req,
                               beast::flat_buffer& buffer, const ClientOptions& options,
                               http::response<http::string_body>& response, Outcome& out) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(options.request_timeout);
  auto [wec, written] = co_await http::async_write(stream, req, kTok);
  if (wec) {
    out = {wec, "sending the request", false};
    co_return;
  }
  http::response_parser<http::string_body> parser;
  parser.header_limit(kResponseHeaderLimitBytes);
  parser.body_limit(options.max_response_bytes);
  auto [rec, read] = co_await http::async_read(stream, buffer, parser, kTok);
  if (rec) {
    out = {rec, "reading the response", parser.got_some()};
    co_return;
  }
  tcp_layer.expires_never();
  response = parser.release();
}

bool IsStaleConnection(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

}  // namespace

struct HttpClient::Impl {
  Url url;
  ClientOptions options;
  std::shared_ptr<ssl::context> tls;
  asio::io_context ioc{1};
  std::optional<PlainStream> plain;
  std::optional<TlsStream> secure;
  beast::flat_buffer buffer;

  bool Connected() const { return plain.has_value() || secure.has_value(); }

  void Close() {
    boost::system::error_code ignored;
    if (plain) plain->socket().close(ignored);
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  Status Connect() {
    Outcome out;
    bool ok;
    if (url.tls) {
      secure.emplace(ioc, *tls);
      if (auto s = PrepareTls(*secure, url.host); !s) return s;
      ok = RunSync(ioc, ConnectStream(*secure, url, options, out));
    } else {
      plain.emplace(ioc);
      ok = RunSync(ioc, ConnectStream(*plain, url, options, out));
    }
    if (!ok) {
      Close();
      return Fail(ErrorCode::kInternal, "http client: bug: exception while connecting");
    }
    if (out.ec) {
      Close();
      return Fail(FromAsio(out.ec, out.what));
    }
    return OkStatus();
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::Create(std::string_view base_url,
                                                       ClientOptions options) {
  VIGIL_TRY(url, ParseUrl(base_url));
  auto impl = std::make_unique<Impl>();
  if (url.tls) {
    VIGIL_TRY(ctx, MakeClientContext(options));
    impl->tls = std::move(ctx);
  }
  impl->url = std::move(url);
  impl->options = std::move(options);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<HttpResponse> HttpClient::Request(std::string_view method, std::string_view target,
                                         const Headers& headers, std::string body) {
  http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    return Fail(ErrorCode::kInvalidArgument, "http client: unknown method");
  }
  if (!target.starts_with("/")) {
    return Fail(ErrorCode::kInvalidArgument, "http client: target must start with '/'");
  }
  http::request<http::string_body> req{verb, target, 11};
  for (const auto& [name, value] : headers.fields()) {
    if (!internal::IsTransportField(name)) req.insert(name, value);
  }
  req.set(http::field::host, impl_->url.host_header);
  if (req.find(http::field::user_agent) == req.end()) req.set(http::field::user_agent, "vigil");
  req.body() = std::move(body);
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl_->Connected();
    if (!reused) {
      if (auto s = impl_->Connect(); !s) return Fail(s.error());
    }
    Outcome out;
    http::response<http::string_body> response;
    bool ok = impl_->secure ? RunSync(impl_->ioc, Exchange(*impl_->secure, req, impl_->buffer,
                                                           impl_->options, response, out))
                            : RunSync(impl_->ioc, Exchange(*impl_->plain, req, impl_->buffer,
                                                           impl_->options, response, out));
    if (!ok) {
      impl_->Close();
      return Fail(ErrorCode::kInternal, "http client: bug: exception during a request");
    }
    if (!out.ec) {
      if (!response.keep_alive()) impl_->Close();
      return internal::ToHttpResponse(response);
    }
    impl_->Close();
    // The server may close a kept-alive connection just as we reuse it.
    if (reused && !out.got_response_bytes && IsStaleConnection(out.ec)) continue;
    return Fail(FromAsio(out.ec, "http client: " + out.what));
  }
  return Fail(ErrorCode::kUnavailable, "http client: connection closed twice");
}

void HttpClient::Close() { impl_->Close(); }

namespace internal {

// A WebSocket client connection of either transport. Owns its io_context,
// which is constructed before and destroyed after the stream.
class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;
  virtual Status Send(std::string_view text) = 0;
  virtual Result<std::optional<std::string>> Read(std::chrono::milliseconds timeout) = 0;
  virtual Status Close() = 0;

  asio::io_context ioc{1};
};

}  // namespace internal

struct WebSocketClient::Impl {
  std::unique_ptr<internal::WebSocketConnection> connection;
};

namespace {

template <class Stream>
class WebSocketClientImpl final : public internal::WebSocketConnection {
 public:
  WebSocketClientImpl(ClientOptions options, std::shared_ptr<ssl::context> tls)
      : options_(std::move(options)), tls_(std::move(tls)) {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      ws_.emplace(ioc, *tls_);
    } else {
      ws_.emplace(ioc);
    }
  }

  websocket::stream<Stream>& ws() { return *ws_; }

  Status Handshake(const Url& url, std::string_view target, std::string_view token) {
    std::string authorization = token.empty() ? "" : "Bearer " + std::string(token);
    ws().set_option(websocket::stream_base::decorator([authorization](websocket::request_type& r) {
      r.set(http::field::user_agent, "vigil");
      if (!authorization.empty()) r.set(http::field::authorization, authorization);
    }));
    ws().set_option(websocket::stream_base::timeout{options_.connect_timeout,
                                                    websocket::stream_base::none(), false});
    Outcome out;
    websocket::response_type response;
    std::string target_text(target);
    bool ok = RunSync(ioc, [&]() -> asio::awaitable<void> {
      auto [ec] = co_await ws().async_handshake(response, url.host_header, target_text, kTok);
      out.ec = ec;
    }());
    if (!ok) return Fail(ErrorCode::kInternal, "websocket client: bug: exception in handshake");
    if (out.ec == websocket::error::upgrade_declined) {
      unsigned status = response.result_int();
      ErrorCode code = status == 401   ? ErrorCode::kUnauthenticated
                       : status == 403 ? ErrorCode::kPermissionDenied
                       : status == 404 ? ErrorCode::kNotFound
                                       : ErrorCode::kUnavailable;
      return Fail(code, "websocket upgrade refused with HTTP " + std::to_string(status) + ": " +
                            response.body());
    }
    if (out.ec) return Fail(FromAsio(out.ec, "websocket handshake"));
    ws().set_option(websocket::stream_base::timeout{
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(kWebSocketCloseWait),
        websocket::stream_base::none(), false});
    return OkStatus();
  }

  Status Send(std::string_view text) override {
    if (closed_) return Fail(ErrorCode::kFailedPrecondition, "websocket: closed");
    bool done = false;
    boost::system::error_code result;
    ws().text(true);
    ws().async_write(asio::buffer(text.data(), text.size()),
                     [&](boost::system::error_code ec, std::size_t) {
                       result = ec;
                       done = true;
                     });
    if (!RunUntil(done, options_.request_timeout)) {
      beast::get_lowest_layer(ws()).close();
      RunUntil(done, std::chrono::seconds(1));
      closed_ = true;
      return Fail(ErrorCode::kDeadlineExceeded, "websocket: send timed out");
    }
    if (result) return Fail(FromAsio(result, "websocket send"));
    return OkStatus();
  }

  Result<std::optional<std::string>> Read(std::chrono::milliseconds timeout) override {
    if (closed_) return std::optional<std::string>();
    if (!read_pending_) {
      read_pending_ = true;
      read_done_ = false;
      ws().async_read(buffer_, [this](boost::system::error_code ec, std::size_t) {
        read_ec_ = ec;
        read_done_ = true;
        read_pending_ = false;
      });
    }
    if (!RunUntil(read_done_, timeout)) {
      return Fail(ErrorCode::kDeadlineExceeded, "websocket: no message within the timeout");
    }
    read_done_ = false;
    if (read_ec_) {
      closed_ = true;
      // A close frame arrived (perhaps our reply to it failed because the
      // server had already hung up): that is a close, not an error.
      if (read_ec_ == websocket::error::closed ||
          ws().reason().code != websocket::close_code::none) {
        return std::optional<std::string>();
      }
      return Fail(FromAsio(read_ec_, "websocket read"));
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return std::optional<std::string>(std::move(text));
  }

  Status Close() override {
    if (closed_) return OkStatus();
    closed_ = true;
    bool done = false;
    boost::system::error_code result;
    ws().async_close(websocket::close_code::normal, [&](boost::system::error_code ec) {
      result = ec;
      done = true;
    });
    if (!RunUntil(done, kWebSocketCloseWait)) {
      beast::get_lowest_layer(ws()).close();
      RunUntil(done, kWebSocketCloseWait);
      return Fail(ErrorCode::kDeadlineExceeded, "websocket: close timed out");
    }
    if (result && result != websocket::error::closed) {
      return Fail(FromAsio(result, "websocket close"));
    }
    return OkStatus();
  }

 private:
  // Runs handlers until `flag` is set or `timeout` passes; true if set.
  template <class Rep, class Period>
  bool RunUntil(const bool& flag, std::chrono::duration<Rep, Period> timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    ioc.restart();
    while (!flag) {
      try {
        if (ioc.run_one_until(deadline) == 0) break;
      } catch (...) {
        break;
      }
    }
    return flag;
  }

  ClientOptions options_;
  std::shared_ptr<ssl::context> tls_;
  std::optional<websocket::stream<Stream>> ws_;
  beast::flat_buffer buffer_;
  bool closed_ = false;
  bool read_pending_ = false;
  bool read_done_ = false;
  boost::system::error_code read_ec_;
};

}  // namespace

template <class Stream>
Result<std::unique_ptr<internal::WebSocketConnection>> ConnectWebSocket(
    const Url& url, std::string_view target, std::string_view token, const ClientOptions& options,
    std::shared_ptr<ssl::context> tls) {
  auto connection = std::make_unique<WebSocketClientImpl<Stream>>(options, std::move(tls));
  auto& next = connection->ws().next_layer();
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (auto s = PrepareTls(next, url.host); !s) return Fail(s.error());
  }
  Outcome out;
  if (!RunSync(connection->ioc, ConnectStream(next, url, options, out))) {
    return Fail(ErrorCode::kInternal, "websocket client: bug: exception while connecting");
  }
  if (out.ec) return Fail(FromAsio(out.ec, out.what));
  if (auto s = connection->Handshake(url, target, token); !s) return Fail(s.error());
  return std::unique_ptr<internal::WebSocketConnection>(std::move(connection));
}

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocketClient::~WebSocketClient() = default;

Result<std::unique_ptr<WebSocketClient>> WebSocketClient::Connect(std::string_view base_url,
                                                                  std::string_view target,
                                                                  std::string_view bearer_token,
                                                                  const ClientOptions& options) {
  VIGIL_TRY(url, ParseUrl(base_url));
  if (!target.starts_with("/")) {
    return Fail(ErrorCode::kInvalidArgument, "websocket client: target must start with '/'");
  }
  auto impl = std::make_unique<Impl>();
  if (url.tls) {
    VIGIL_TRY(ctx, MakeClientContext(options));
    VIGIL_TRY(c, ConnectWebSocket<TlsStream>(url, target, bearer_token, options, std::move(ctx)));
    impl->connection = std::move(c);
  } else {
    VIGIL_TRY(c, ConnectWebSocket<PlainStream>(url, target, bearer_token, options, nullptr));
    impl->connection = std::move(c);
  }
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
}

Status WebSocketClient::Send(std::string_view text) { return impl_->connection->Send(text); }
Result<std::optional<std::string>> WebSocketClient::Read(std::chrono::milliseconds timeout) {
  return impl_->connection->Read(timeout);
}
Status WebSocketClient::Close() { return impl_->connection->Close(); }

}  // namespace vigil::net
