// SPDX-License-Identifier: Apache-2.0
// Promise P5 over real sockets: a password change (or a revoked session)
// closes the other sessions' open WebSockets within one second, while the
// caller's own socket stays open.

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "vigil/crypto/hash.h"
#include "vigil/net/http_client.h"
#include "vigil/net/http_server.h"
#include "vigil/server/api.h"
#include "vigil/store/sqlite_metadata_store.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using std::chrono::milliseconds;
using wire::Json;

class ApiWebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("vigil-ws-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    metadata_ = store::SqliteMetadataStore::Open((dir_ / "metadata.db").string()).value();
    blobs_ = store::LocalBlobStore::Open((dir_ / "blobs").string()).value();
    api_ = std::make_unique<Api>(Services{*metadata_, *blobs_, clock_, secret_});
    net::ServerOptions options;
    options.insecure_plain_http = true;
    server_ = net::HttpServer::Create(
                  options,
                  [this](const net::HttpRequest& r, const net::PeerInfo& p) {
                    return api_->Handle(r, p);
                  },
                  [this](const net::HttpRequest& r, const net::PeerInfo& p) {
                    return api_->AuthorizeWebSocket(r, p);
                  })
                  .value();
    api_->Attach(&server_->hub(), &server_->metrics());
    runner_ = std::thread([this] { (void)server_->Run(); });
    http_ = net::HttpClient::Create(server_->url()).value();
  }

  void TearDown() override {
    server_->Stop();
    runner_.join();
    std::filesystem::remove_all(dir_);
  }

  Json Post(const std::string& target, const Json& body, const std::string& token = "") {
    net::Headers headers;
    if (!token.empty()) headers.Set("Authorization", "Bearer " + token);
    auto r = http_->Request("POST", target, headers, wire::Dump(body));
    EXPECT_TRUE(r.has_value());
    EXPECT_LT(r->status, 300u) << r->body;
    return wire::ParseObject(r->body).value();
  }

  static Bytes AuthKey(std::uint8_t fill) { return Bytes(32, fill); }

  // Creates Alice and a second session; returns {first token, second token}.
  std::pair<std::string, std::string> TwoSessions() {
    const Json created =
        Post("/v1/accounts", {{"account_id", "acct_alice000"},
                              {"device_id", "dev_laptop00"},
                              {"email", "alice@example.com"},
                              {"account_salt", wire::BytesField(Bytes(16, 1))},
                              {"argon2_time_cost", 3},
                              {"argon2_memory_kib", 65536},
                              {"auth_key", wire::BytesField(AuthKey(4))},
                              {"wrapped_keyring", wire::BytesField(Bytes(64, 2))},
                              {"recovery_wrapped_keyring", wire::BytesField(Bytes(64, 3))},
                              {"recovery_salt", wire::BytesField(Bytes(16, 5))},
                              {"recovery_auth_key", wire::BytesField(AuthKey(6))}});
    const Json second = Post("/v1/login", {{"email", "alice@example.com"},
                                           {"device_id", "dev_phone000"},
                                           {"auth_key", wire::BytesField(AuthKey(4))}});
    return {created["session_token"], second["session_token"]};
  }

  std::unique_ptr<net::WebSocketClient> Connect(const std::string& token) {
    auto ws = net::WebSocketClient::Connect(server_->url(), "/v1/ws", token);
    EXPECT_TRUE(ws.has_value()) << (ws ? "" : ws.error().ToString());
    return ws ? std::move(*ws) : nullptr;
  }

  // Milliseconds until the server closes `ws` (or 5000 if it does not).
  static std::int64_t MillisUntilClosed(net::WebSocketClient& ws,
                                        std::chrono::steady_clock::time_point since) {
    while (std::chrono::steady_clock::now() - since < std::chrono::seconds(5)) {
      auto message = ws.Read(milliseconds(100));
      if (message && !message->has_value()) break;  // closed by the server
      if (!message && message.error().code != ErrorCode::kDeadlineExceeded) break;
    }
    return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - since)
        .count();
  }

  FakeClock clock_;
  crypto::SecretBytes secret_ = crypto::SecretBytes::Random(32);
  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteMetadataStore> metadata_;
  std::unique_ptr<store::LocalBlobStore> blobs_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread runner_;
  std::unique_ptr<net::HttpClient> http_;
};

TEST_F(ApiWebSocketTest, PasswordChangeClosesOtherSessionsSocketsWithinOneSecond) {
  const auto [laptop, phone] = TwoSessions();
  auto phone_ws = Connect(phone);
  auto laptop_ws = Connect(laptop);
  ASSERT_TRUE(phone_ws && laptop_ws);
  // Both sockets are open and idle.
  EXPECT_FALSE(phone_ws->Read(milliseconds(200)).has_value());

  const auto start = std::chrono::steady_clock::now();
  Post("/v1/password",
       {{"auth_key", wire::BytesField(AuthKey(4))},
        {"new_account_salt", wire::BytesField(Bytes(16, 9))},
        {"new_argon2_time_cost", 3},
        {"new_argon2_memory_kib", 65536},
        {"new_auth_key", wire::BytesField(AuthKey(5))},
        {"new_wrapped_keyring", wire::BytesField(Bytes(64, 6))}},
       laptop);
  const std::int64_t closed_ms = MillisUntilClosed(*phone_ws, start);
  EXPECT_LT(closed_ms, 1000) << "the phone's socket stayed open " << closed_ms << " ms";
  // The caller's own socket is untouched.
  auto own = laptop_ws->Read(milliseconds(300));
  EXPECT_FALSE(own.has_value());
  EXPECT_EQ(own.error().code, ErrorCode::kDeadlineExceeded);
  // And the phone cannot come back with its old token.
  EXPECT_EQ(net::WebSocketClient::Connect(server_->url(), "/v1/ws", phone).has_value(), false);
}

TEST_F(ApiWebSocketTest, ARecoveryClosesEverySessionsSocketsWithinOneSecond) {
  const auto [laptop, phone] = TwoSessions();
  auto phone_ws = Connect(phone);
  auto laptop_ws = Connect(laptop);
  ASSERT_TRUE(phone_ws && laptop_ws);
  const auto start = std::chrono::steady_clock::now();
  const Json recovered =
      Post("/v1/recovery", {{"email", "alice@example.com"},
                            {"recovery_auth_key", wire::BytesField(AuthKey(6))},
                            {"device_id", "dev_tablet00"},
                            {"new_account_salt", wire::BytesField(Bytes(16, 9))},
                            {"new_argon2_time_cost", 3},
                            {"new_argon2_memory_kib", 65536},
                            {"new_auth_key", wire::BytesField(AuthKey(7))},
                            {"new_wrapped_keyring", wire::BytesField(Bytes(64, 8))},
                            {"new_recovery_wrapped_keyring", wire::BytesField(Bytes(64, 9))},
                            {"new_recovery_salt", wire::BytesField(Bytes(16, 10))},
                            {"new_recovery_auth_key", wire::BytesField(AuthKey(11))}});
  EXPECT_EQ(recovered["sessions_ended"], 2);
  // No session is kept: both sockets close, the caller has none of its own.
  EXPECT_LT(MillisUntilClosed(*phone_ws, start), 1000);
  EXPECT_LT(MillisUntilClosed(*laptop_ws, start), 1000);
  EXPECT_TRUE(Connect(recovered["session_token"].get<std::string>()));
}

TEST_F(ApiWebSocketTest, RevokingASessionClosesItsSocket) {
  const auto [laptop, phone] = TwoSessions();
  auto phone_ws = Connect(phone);
  ASSERT_TRUE(phone_ws);
  const auto digest = crypto::Sha256(AsBytes(phone));
  const std::string phone_id = store::SessionId(Bytes(digest.begin(), digest.end()));
  const auto start = std::chrono::steady_clock::now();
  net::Headers headers;
  headers.Set("Authorization", "Bearer " + laptop);
  auto r = http_->Request("DELETE", "/v1/sessions/" + phone_id, headers, "");
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200u) << r->body;
  EXPECT_LT(MillisUntilClosed(*phone_ws, start), 1000);
}

}  // namespace
}  // namespace vigil::server
