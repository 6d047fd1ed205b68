// SPDX-License-Identifier: Apache-2.0
#include "vigil/net/http_client.h"

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"
#include "vigil/net/certificate.h"
#include "vigil/net/http_server.h"

namespace vigil::net {
namespace {

using ::testing::HasSubstr;
using testing::RunningServer;
using testing::TempDir;
using namespace std::chrono_literals;

HttpResponse Handle(const HttpRequest& r, const PeerInfo& peer) {
  if (r.Path() == "/big") return HttpResponse::Text(200, std::string(6 << 20, 'd'));
  if (r.Path() == "/size") return HttpResponse::Text(200, std::to_string(r.body.size()));
  return HttpResponse::Text(200, std::string(peer.tls ? "tls " : "plain ") + r.body);
}

// The WebSocket authorizer: token "good-N" is session key "session-N".
Result<std::string> Authorize(const HttpRequest& r, const PeerInfo&) {
  auto token = r.BearerToken();
  if (!token) return Fail(ErrorCode::kUnauthenticated, "no token");
  if (!token->starts_with("good-")) return Fail(ErrorCode::kUnauthenticated, "bad token");
  return "session-" + std::string(token->substr(5));
}

struct TlsFixture : ::testing::Test {
  void SetUp() override {
    cert = testing::MakeCertificate(dir, "server");
    ServerOptions o;
    o.certificate_pem_path = cert.certificate;
    o.private_key_pem_path = cert.key;
    o.logger = NullLogger();
    o.route_limits = [](const HttpRequest& head) {
      RouteLimits limits;
      if (head.Path() == "/size") limits.body_limit_bytes = 16 << 20;
      return limits;
    };
    auto s = HttpServer::Create(o, Handle, Authorize, [this](const WebSocketMessage& m) {
      std::lock_guard lock(mu);
      received.push_back(m.key + ":" + m.text);
    });
    ASSERT_TRUE(s.has_value()) << s.error().ToString();
    server.emplace(std::move(*s));
  }
  ClientOptions Pinned() const {
    ClientOptions c;
    c.ca_pem_path = cert.certificate;
    return c;
  }

  TempDir dir;
  testing::CertFiles cert;
  std::optional<RunningServer> server;
  std::mutex mu;
  std::vector<std::string> received;
};

TEST(CertificateTest, WritesAPemPairWithAPrivateKeyFile) {
  TempDir dir;
  auto files = testing::MakeCertificate(dir, "c");
  struct stat st {};
  ASSERT_EQ(::stat(files.key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(files.certificate);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("-----BEGIN CERTIFICATE-----"));
  auto bad = CreateSelfSignedCertificate({files.certificate, files.key, {"bad name!"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(TlsFixture, RoundTripOverTlsWithAPinnedCa) {
  auto client = HttpClient::Create((*server)->url(), Pinned());
  ASSERT_TRUE(client.has_value());
  auto r = (*client)->Request("POST", "/x", {}, "hello");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200u);
  EXPECT_EQ(r->body, "tls hello");
  // By host name too (the certificate names localhost).
  auto by_name =
      HttpClient::Create("https://localhost:" + std::to_string((*server)->port()), Pinned());
  ASSERT_TRUE(by_name.has_value());
  auto r2 = (*by_name)->Request("GET", "/y");
  ASSERT_TRUE(r2.has_value()) << r2.error().ToString();
}

TEST_F(TlsFixture, MovesBodiesOfSeveralMebibytes) {
  auto client = HttpClient::Create((*server)->url(), Pinned());
  ASSERT_TRUE(client.has_value());
  auto up = (*client)->Request("PUT", "/size", {}, std::string(6 << 20, 'u'));
  ASSERT_TRUE(up.has_value()) << up.error().ToString();
  EXPECT_EQ(up->body, std::to_string(6 << 20));
  auto down = (*client)->Request("GET", "/big");
  ASSERT_TRUE(down.has_value()) << down.error().ToString();
  EXPECT_EQ(down->body.size(), std::size_t{6 << 20});
}

TEST_F(TlsFixture, AClientPinningAnotherCaIsRefused) {
  TempDir other_dir;
  auto other = testing::MakeCertificate(other_dir, "other");
  ClientOptions c;
  c.ca_pem_path = other.certificate;
  auto client = HttpClient::Create((*server)->url(), c);
  ASSERT_TRUE(client.has_value());
  auto r = (*client)->Request("GET", "/x");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << r.error().ToString();
  // The system store does not know a self-signed certificate either.
  auto system = HttpClient::Create((*server)->url());
  ASSERT_TRUE(system.has_value());
  auto r2 = (*system)->Request("GET", "/x");
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().code, ErrorCode::kUnauthenticated);
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailableAndBadUrlsAreRejected) {
  std::uint16_t port;
  {
    ServerOptions o;
    o.insecure_plain_http = true;
    o.logger = NullLogger();
    auto s = HttpServer::Create(o, Handle);
    ASSERT_TRUE(s.has_value());
    port = (*s)->port();
  }  // closed again: nothing listens there now
  auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(client.has_value());
  auto r = (*client)->Request("GET", "/");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().ToString();
  EXPECT_FALSE(HttpClient::Create("ftp://x").has_value());
  EXPECT_FALSE(HttpClient::Create("https://x:99999").has_value());
  EXPECT_FALSE(HttpClient::Create("https://x/path").has_value());
  EXPECT_TRUE(HttpClient::Create("https://[::1]:8443/").has_value());
}

TEST_F(TlsFixture, WebSocketsAreAuthorizedSentToAndClosedByKey) {
  auto url = (*server)->url();
  auto refused = WebSocketClient::Connect(url, "/v1/events", "bad", Pinned());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated) << refused.error().ToString();

  auto a1 = WebSocketClient::Connect(url, "/v1/events", "good-a", Pinned());
  ASSERT_TRUE(a1.has_value()) << a1.error().ToString();
  auto a2 = WebSocketClient::Connect(url, "/v1/events", "good-a", Pinned());
  ASSERT_TRUE(a2.has_value()) << a2.error().ToString();
  auto b = WebSocketClient::Connect(url, "/v1/events", "good-b", Pinned());
  ASSERT_TRUE(b.has_value()) << b.error().ToString();
  auto& hub = (*server)->hub();
  ASSERT_TRUE(testing::WaitForCount(hub, "session-a", 2));
  ASSERT_TRUE(testing::WaitForCount(hub, "session-b", 1));

  EXPECT_EQ(hub.Send("session-a", "hello a"), 2u);
  for (auto* c : {&*a1, &*a2}) {
    auto m = (*c)->Read(2s);
    ASSERT_TRUE(m.has_value()) << m.error().ToString();
    EXPECT_EQ(m->value_or("<closed>"), "hello a");
  }
  auto nothing = (*b)->Read(100ms);
  ASSERT_FALSE(nothing.has_value());
  EXPECT_EQ(nothing.error().code, ErrorCode::kDeadlineExceeded);

  ASSERT_TRUE((*b)->Send("ping from b").has_value());
  for (int i = 0; i < 200; ++i) {
    std::lock_guard lock(mu);
    if (!received.empty()) break;
    std::this_thread::sleep_for(5ms);
  }
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0], "session-b:ping from b");
  }

  // CloseAll: every socket of the key is closed within 1 s; others stay.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(hub.CloseAll("session-a"), 2u);
  for (auto* c : {&*a1, &*a2}) {
    auto m = (*c)->Read(2s);
    ASSERT_TRUE(m.has_value()) << m.error().ToString();
    EXPECT_FALSE(m->has_value());  // closed
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, 1s);
  EXPECT_EQ(hub.Count("session-a"), 0u);
  EXPECT_EQ(hub.Broadcast("still b"), 1u);
  auto m = (*b)->Read(2s);
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_EQ(m->value_or("<closed>"), "still b");
  EXPECT_TRUE((*b)->Close().has_value());
}

TEST_F(TlsFixture, StopClosesWebSocketsAsGoingAway) {
  auto ws = WebSocketClient::Connect((*server)->url(), "/v1/events", "good-z", Pinned());
  ASSERT_TRUE(ws.has_value()) << ws.error().ToString();
  ASSERT_TRUE(testing::WaitForCount((*server)->hub(), "session-z", 1));
  auto stop_ms = server->StopAndJoin();
  EXPECT_LT(stop_ms.count(), 1500);
  auto m = (*ws)->Read(2s);
  ASSERT_TRUE(m.has_value()) << m.error().ToString();
  EXPECT_FALSE(m->has_value());
}

}  // namespace
}  // namespace vigil::net
