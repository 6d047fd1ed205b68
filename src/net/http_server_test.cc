// SPDX-License-Identifier: Apache-2.0
#include "vigil/net/http_server.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"
#include "vigil/net/http_client.h"

namespace vigil::net {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::RawSocket;
using testing::RunningServer;
using namespace std::chrono_literals;

class CapturingLogger final : public Logger {
 public:
  void LogRequest(const RequestLogEntry& entry) override {
    std::lock_guard lock(mu_);
    lines_.push_back(FormatRequestLogLine(entry));
  }
  void LogEvent(std::string_view, std::string_view) override {}
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

HttpResponse Echo(const HttpRequest& r, const PeerInfo& peer) {
  if (r.Path() == "/throw") throw std::runtime_error("boom");
  if (r.Path() == "/size") return HttpResponse::Text(200, std::to_string(r.body.size()));
  if (r.Path() == "/peer") return HttpResponse::Text(200, std::to_string(peer.port));
  return HttpResponse::Text(200, r.method + " " + std::string(r.Path()) + " " + r.body);
}

ServerOptions PlainOptions(std::shared_ptr<Logger> logger = NullLogger()) {
  ServerOptions o;
  o.insecure_plain_http = true;
  o.logger = std::move(logger);
  o.route_limits = [](const HttpRequest& head) {
    RouteLimits limits;
    if (head.Path() == "/size") limits.body_limit_bytes = 8 << 20;
    return limits;
  };
  return o;
}

std::unique_ptr<HttpServer> MakeServer(ServerOptions o, Handler h = Echo) {
  auto s = HttpServer::Create(std::move(o), std::move(h));
  EXPECT_TRUE(s.has_value()) << s.error().ToString();
  return std::move(*s);
}

std::unique_ptr<HttpClient> MakeClient(const HttpServer& server) {
  auto c = HttpClient::Create(server.url());
  EXPECT_TRUE(c.has_value()) << c.error().ToString();
  return std::move(*c);
}

TEST(HttpServerTest, ServesPlainHttpWithKeepAlive) {
  RunningServer server(MakeServer(PlainOptions()));
  EXPECT_THAT(server->url(), HasSubstr("http://127.0.0.1:"));
  auto client = MakeClient(*server);
  auto r = client->Request("POST", "/echo?x=1", {}, "hi");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "POST /echo hi");
  auto p1 = client->Request("GET", "/peer");
  auto p2 = client->Request("GET", "/peer");
  ASSERT_TRUE(p1.has_value() && p2.has_value());
  EXPECT_EQ(p1->body, p2->body);  // same client port: the connection was reused
}

TEST(HttpServerTest, RefusesInconsistentOptions) {
  ServerOptions o;
  auto s = HttpServer::Create(o, Echo);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  o.insecure_plain_http = true;
  o.certificate_pem_path = "x.crt";
  EXPECT_FALSE(HttpServer::Create(o, Echo).has_value());
}

TEST(HttpServerTest, OversizedBodyGets413AndOthersAreStillServed) {
  RunningServer server(MakeServer(PlainOptions()));
  RawSocket raw(server->port());
  ASSERT_TRUE(raw.connected());
  raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" +
           std::string(4096, 'a'));
  std::string reply = raw.ReadAll(2s);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"resource_exhausted")"));

  // A chunked body over the limit is cut off too.
  RawSocket chunked(server->port());
  chunked.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n" +
               std::string(8192, 'b'));
  EXPECT_THAT(chunked.ReadAll(2s), HasSubstr("HTTP/1.1 413"));

  auto client = MakeClient(*server);
  auto ok = client->Request("GET", "/still-here");
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->status, 200u);
  // The route-limit callback raises the limit for one route.
  auto big = client->Request("POST", "/size", {}, std::string(3 << 20, 'z'));
  ASSERT_TRUE(big.has_value()) << big.error().ToString();
  EXPECT_EQ(big->body, std::to_string(3 << 20));
}

TEST(HttpServerTest, OversizedHeaderGets431JsonAndOthersAreStillServed) {
  RunningServer server(MakeServer(PlainOptions()));
  RawSocket line(server->port());
  line.Send("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string reply = line.ReadAll(2s);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 431"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"resource_exhausted")"));
  RawSocket header(server->port());
  header.Send("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n");
  EXPECT_THAT(header.ReadAll(2s), HasSubstr("HTTP/1.1 431"));
  auto client = MakeClient(*server);
  auto ok = client->Request("GET", "/still-here");
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(ok->status, 200u);
}

TEST(HttpServerTest, MalformedRequestGets400Json) {
  RunningServer server(MakeServer(PlainOptions()));
  RawSocket raw(server->port());
  raw.Send("GET / HTTP/1.1\r\nBad Header\r\n\r\n");
  std::string reply = raw.ReadAll(2s);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(reply, HasSubstr("application/json"));
  EXPECT_THAT(reply, HasSubstr(R"({"error":{"code":"invalid_argument","message":")"));
}

TEST(HttpServerTest, HandlerExceptionBecomes500) {
  RunningServer server(MakeServer(PlainOptions()));
  auto r = MakeClient(*server)->Request("GET", "/throw");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 500u);
  EXPECT_THAT(server->metrics().Render(), HasSubstr("vigil_net_bugs_total 1"));
}

TEST(HttpServerTest, SlowLorisIsCutOffWhileOthersAreServed) {
  auto o = PlainOptions();
  o.default_limits.request_timeout = 1s;
  RunningServer server(MakeServer(o));
  std::atomic<long> cut_after_ms{-1};
  std::thread loris([&] {
    RawSocket raw(server->port());
    const std::string request =
        "GET /slow HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(200, 'p') + "\r\n\r\n";
    auto start = std::chrono::steady_clock::now();
    for (char c : request) {
      if (!raw.Send(std::string_view(&c, 1)) || raw.PeerClosed()) break;
      std::this_thread::sleep_for(200ms);
      if (std::chrono::steady_clock::now() - start > 5s) break;
    }
    cut_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  });
  auto client = MakeClient(*server);
  for (int i = 0; i < 3; ++i) {
    auto r = client->Request("GET", "/fast");
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->status, 200u);
    std::this_thread::sleep_for(100ms);
  }
  loris.join();
  EXPECT_GE(cut_after_ms.load(), 900);
  EXPECT_LE(cut_after_ms.load(), 2000);
}

TEST(HttpServerTest, PipelinedRequestsStopAtTheLimit) {
  auto o = PlainOptions();
  o.max_requests_per_connection = 3;
  RunningServer server(MakeServer(o));
  RawSocket raw(server->port());
  std::string five;
  for (int i = 0; i < 5; ++i) five += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  raw.Send(five);
  std::string reply = raw.ReadAll(3s);
  std::size_t responses = 0;
  for (auto at = reply.find("HTTP/1.1 200"); at != std::string::npos;
       at = reply.find("HTTP/1.1 200", at + 1)) {
    ++responses;
  }
  EXPECT_EQ(responses, 3u);
  EXPECT_THAT(reply, HasSubstr("GET /p2"));
  EXPECT_THAT(reply, Not(HasSubstr("GET /p3")));
  EXPECT_THAT(reply, HasSubstr("Connection: close"));
}

TEST(HttpServerTest, GracefulStopFinishesTheInFlightRequest) {
  std::atomic<bool> entered{false};
  auto handler = [&](const HttpRequest& r, const PeerInfo& p) {
    if (r.Path() == "/slow") {
      entered = true;
      std::this_thread::sleep_for(300ms);
    }
    return Echo(r, p);
  };
  RunningServer server(MakeServer(PlainOptions(), handler));
  auto idle = MakeClient(*server);
  ASSERT_TRUE(idle->Request("GET", "/warm").has_value());  // an idle kept-alive connection
  Result<HttpResponse> slow = Fail(ErrorCode::kInternal, "not run");
  std::thread t([&] { slow = MakeClient(*server)->Request("GET", "/slow"); });
  while (!entered) std::this_thread::sleep_for(1ms);
  auto stop_ms = server.StopAndJoin();
  t.join();
  ASSERT_TRUE(slow.has_value()) << slow.error().ToString();
  EXPECT_EQ(slow->status, 200u);
  EXPECT_EQ(slow->headers.Get("Connection").value_or(""), "close");
  EXPECT_LT(stop_ms.count(), 1500);
  // Nothing is accepted any more.
  auto after = MakeClient(*server)->Request("GET", "/x");
  EXPECT_FALSE(after.has_value());
}

TEST(HttpServerTest, CountsAndLogsRequestsWithoutSecrets) {
  auto logger = std::make_shared<CapturingLogger>();
  RunningServer server(MakeServer(PlainOptions(logger)));
  auto client = MakeClient(*server);
  Headers auth;
  auth.Set("Authorization", "Bearer sekrit-token");
  ASSERT_TRUE(client->Request("GET", "/a?q=sekrit-query", auth).has_value());
  ASSERT_TRUE(client->Request("POST", "/b", auth, "sekrit-body").has_value());
  // The server logs and counts after the response is written: wait for it.
  for (int i = 0; i < 200 && logger->lines().size() < 2; ++i) std::this_thread::sleep_for(5ms);
  std::string metrics = MetricsResponse(server->metrics()).body;
  EXPECT_THAT(metrics, HasSubstr("vigil_http_requests_total{class=\"2xx\"} 2\n"));
  EXPECT_THAT(metrics, HasSubstr("vigil_http_connections_open 1\n"));
  EXPECT_THAT(metrics, HasSubstr("vigil_http_request_duration_seconds_count 2\n"));
  EXPECT_THAT(metrics, HasSubstr("vigil_http_bytes_sent_total "));
  auto lines = logger->lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr(R"("method":"GET","path":"/a","status":200)"));
  EXPECT_THAT(lines[0], HasSubstr(R"("remote":"127.0.0.1")"));
  for (const auto& line : lines) EXPECT_THAT(line, Not(HasSubstr("sekrit")));
}

TEST(HttpServerTest, ConnectionsOverTheLimitAreClosed) {
  auto o = PlainOptions();
  o.max_connections = 1;
  RunningServer server(MakeServer(o));
  auto first = MakeClient(*server);
  ASSERT_TRUE(first->Request("GET", "/one").has_value());
  RawSocket second(server->port());
  EXPECT_EQ(second.ReadAll(2s), "");  // closed at once, nothing sent
  EXPECT_THAT(server->metrics().Render(), HasSubstr("vigil_http_connections_refused_total 1"));
}

}  // namespace
}  // namespace vigil::net
