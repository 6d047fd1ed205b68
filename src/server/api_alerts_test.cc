// SPDX-License-Identifier: Apache-2.0
// Alerts and heartbeats through the API: a camera posts, the household's
// owner reads (and gets them pushed on its WebSocket); nobody else does;
// bad input is refused with a clear message; the sweeper keeps 7 days.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "api_test_fixture.h"

#include "vigil/crypto/hash.h"
#include "vigil/net/http_client.h"
#include "vigil/net/http_server.h"
#include "vigil/server/api.h"
#include "vigil/store/sqlite_metadata_store.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using wire::Json;

class ApiAlertsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    Household("owner", "acct_owner000", "hh_home00000", "cam_door0000", owner_, camera_);
    Household("other", "acct_other000", "hh_other0000", "cam_other000", other_, other_camera_);
  }

  // An account with a session `token`, its household and a camera with credential `camera`.
  void Household(const std::string& name, const std::string& account_id,
                 const std::string& household_id, const std::string& camera_id,
                 const std::string& token, const std::string& camera) {
    const std::int64_t now = clock_.NowUnixSeconds();
    const store::Audit audit{now, account_id, ""};
    store::AccountRecord account;
    account.account_id = account_id;
    account.email = name + "@example.com";
    account.account_salt = Bytes(16, 1);
    account.argon2_time_cost = 3;
    account.argon2_memory_kib = 65536;
    account.auth_verifier = Bytes(32, 2);
    account.wrapped_keyring = Bytes(80, 2);
    account.recovery_wrapped_keyring = Bytes(80, 3);
    account.created_unix_s = now;
    ASSERT_TRUE(metadata_->CreateAccount(account, audit));
    const auto session = crypto::Sha256(AsBytes(token));
    ASSERT_TRUE(metadata_->CreateSession(
        {Bytes(session.begin(), session.end()), account_id, "dev_" + name, now, now, "127.0.0.1"},
        audit));
    ASSERT_TRUE(
        metadata_->CreateHousehold({household_id, account_id, 1, std::nullopt, now}, audit));
    const auto cred = crypto::Sha256(AsBytes(camera));
    ASSERT_TRUE(metadata_->CreateCamera({camera_id, household_id, "sealed-name", Bytes(32, 7),
                                         Bytes(cred.begin(), cred.end()), std::nullopt, now},
                                        audit));
  }

  net::HttpResponse Call(const std::string& method, const std::string& target,
                         const std::string& token, const std::string& body = "") {
    net::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    if (!token.empty()) request.headers.Set("Authorization", "Bearer " + token);
    return api_->Handle(request, net::PeerInfo{"127.0.0.1", 40000, true});
  }

  static Json Body(const net::HttpResponse& r) { return wire::ParseObject(r.body).value(); }

  net::HttpResponse PostAlert(const std::string& id, const Bytes& sealed,
                              const std::string& token = "") {
    const Json body = {{"alert_id", id}, {"alert", wire::BytesField(sealed)}};
    return Call("POST", "/v1/alerts", token.empty() ? camera_ : token, wire::Dump(body));
  }

  std::string owner_ = "owner-session-token", camera_ = "camera-credential-token";
  std::string other_ = "other-session-token", other_camera_ = "other-camera-token";
};

TEST_F(ApiAlertsTest, ACameraPostsAnAlertAndItsOwnerListsIt) {
  const Bytes sealed(541, 0x42);
  const auto posted = PostAlert("alr_0000001", sealed);
  ASSERT_EQ(posted.status, 201u) << posted.body;
  EXPECT_EQ(Body(posted)["camera_id"], "cam_door0000");
  // A retry (lost reply) is answered with the stored alert, not stored twice.
  clock_.AdvanceMillis(5000);
  const auto retry = PostAlert("alr_0000001", sealed);
  EXPECT_EQ(retry.status, 200u) << retry.body;
  EXPECT_EQ(Body(retry)["received"], Body(posted)["received"]);
  // The same id with other bytes is a conflict.
  EXPECT_EQ(PostAlert("alr_0000001", Bytes(541, 0x43)).status, 409u);
  ASSERT_EQ(PostAlert("alr_0000002", Bytes(541, 0x44)).status, 201u);

  const auto listed = Call("GET", "/v1/alerts", owner_);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  const Json alerts = Body(listed)["alerts"];
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0]["alert_id"], "alr_0000001");  // oldest first
  EXPECT_EQ(alerts[0]["alert"], wire::BytesField(sealed));
  EXPECT_EQ(alerts[0]["camera_id"], "cam_door0000");
  EXPECT_EQ(alerts[1]["alert_id"], "alr_0000002");

  const std::string since = alerts[1]["received"].get<std::string>();
  const auto newer = Call("GET", "/v1/alerts?since=" + since + "&limit=5", owner_);
  ASSERT_EQ(newer.status, 200u) << newer.body;
  ASSERT_EQ(Body(newer)["alerts"].size(), 1u);
  EXPECT_EQ(Body(newer)["alerts"][0]["alert_id"], "alr_0000002");
  EXPECT_EQ(Body(Call("GET", "/v1/alerts?limit=1", owner_))["alerts"].size(), 1u);
}

TEST_F(ApiAlertsTest, OnlyTheHouseholdsOwnerReadsItsAlerts) {
  ASSERT_EQ(PostAlert("alr_0000001", Bytes(541, 1)).status, 201u);
  // Another household's owner sees an empty list, not an error that says more.
  const auto other = Call("GET", "/v1/alerts", other_);
  ASSERT_EQ(other.status, 200u);
  EXPECT_TRUE(Body(other)["alerts"].empty());
  // A camera cannot read alerts; an owner cannot post them.
  EXPECT_EQ(Call("GET", "/v1/alerts", camera_).status, 401u);
  EXPECT_EQ(Call("POST", "/v1/alerts", owner_,
                 wire::Dump(
                     Json{{"alert_id", "alr_0000009"}, {"alert", wire::BytesField(Bytes(541, 1))}}))
                .status,
            401u);
  EXPECT_EQ(Call("GET", "/v1/alerts", "").status, 401u);
  // Another household's camera cannot take over the id.
  EXPECT_EQ(PostAlert("alr_0000001", Bytes(541, 1), other_camera_).status, 409u);
  ASSERT_EQ(Body(Call("GET", "/v1/alerts", owner_))["alerts"].size(), 1u);
  EXPECT_TRUE(Body(Call("GET", "/v1/alerts", other_))["alerts"].empty());
}

TEST_F(ApiAlertsTest, BadInputIsRefusedWithAClearMessage) {
  auto refused = [&](const net::HttpResponse& r, std::string_view words) {
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_NE(r.body.find(words), std::string::npos) << r.body;
  };
  refused(PostAlert("short", Bytes(541, 1)), "alert_id");
  refused(PostAlert("alr_0000001", Bytes(10, 1)), "alert");
  refused(PostAlert("alr_0000001", Bytes(5000, 1)), "alert");
  refused(Call("POST", "/v1/alerts", camera_, R"({"alert_id":"alr_0000001","alert":"!!"})"),
          "alert");
  refused(Call("POST", "/v1/alerts", camera_, R"({"alert_id":"alr_0000001"})"), "alert");
  refused(Call("POST", "/v1/alerts", camera_, "{"), "invalid_argument");
  refused(Call("GET", "/v1/alerts?since=yesterday", owner_), "since");
  refused(Call("GET", "/v1/alerts?limit=0", owner_), "limit");
  refused(Call("GET", "/v1/alerts?limit=1001", owner_), "limit");
  refused(Call("GET", "/v1/alerts?after=1", owner_), "after");
  refused(Call("POST", "/v1/heartbeats", camera_, R"({"heartbeat":"AAAA"})"), "heartbeat");
  refused(Call("POST", "/v1/heartbeats", camera_, "{}"), "heartbeat");
}

TEST_F(ApiAlertsTest, TheSweepRemovesAlertsAfterSevenDays) {
  ASSERT_EQ(PostAlert("alr_0000001", Bytes(541, 1)).status, 201u);
  clock_.AdvanceMillis(std::int64_t{6} * 86400 * 1000);
  ASSERT_EQ(PostAlert("alr_0000002", Bytes(541, 2)).status, 201u);
  EXPECT_EQ(api_->Sweep().value().expired_alerts, 0);
  clock_.AdvanceMillis(std::int64_t{86400} * 1000);
  EXPECT_EQ(api_->Sweep().value().expired_alerts, 0);  // exactly 7 days old: still kept
  clock_.AdvanceMillis(1000);
  EXPECT_EQ(api_->Sweep().value().expired_alerts, 1);
  const Json alerts = Body(Call("GET", "/v1/alerts", owner_))["alerts"];
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["alert_id"], "alr_0000002");
}

TEST_F(ApiAlertsTest, TheLatestHeartbeatIsListedWithTheCamera) {
  auto cameras = [&](const std::string& token) {
    const auto r = Call("GET", "/v1/cameras", token);
    EXPECT_EQ(r.status, 200u) << r.body;
    return Body(r)["cameras"];
  };
  EXPECT_TRUE(cameras(owner_)[0]["heartbeat"].is_null());
  EXPECT_TRUE(cameras(owner_)[0]["heartbeat_received"].is_null());
  const auto post = [&](const Bytes& beat) {
    return Call("POST", "/v1/heartbeats", camera_,
                wire::Dump(Json{{"heartbeat", wire::BytesField(beat)}}));
  };
  ASSERT_EQ(post(Bytes(130, 1)).status, 201u);
  clock_.AdvanceMillis(60'000);
  ASSERT_EQ(post(Bytes(130, 2)).status, 201u);
  const Json listed = cameras(owner_);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["heartbeat"], wire::BytesField(Bytes(130, 2)));
  EXPECT_EQ(listed[0]["heartbeat_received"], wire::FormatTime(clock_.NowUnixSeconds()));
  // The other household's camera list shows its own camera, without this heartbeat.
  const Json other = cameras(other_);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_TRUE(other[0]["heartbeat"].is_null());
  EXPECT_EQ(Call("POST", "/v1/heartbeats", owner_,
                 wire::Dump(Json{{"heartbeat", wire::BytesField(Bytes(130, 1))}}))
                .status,
            401u);
}

// Over real sockets: an alert reaches the household owner's open WebSocket at
// once, and nobody else's.
TEST_F(ApiAlertsTest, AnAlertIsPushedToTheOwnersWebSocketsOnly) {
  net::ServerOptions options;
  options.insecure_plain_http = true;
  auto server =
      net::HttpServer::Create(
          options,
          [this](const net::HttpRequest& r, const net::PeerInfo& p) { return api_->Handle(r, p); },
          [this](const net::HttpRequest& r, const net::PeerInfo& p) {
            return api_->AuthorizeWebSocket(r, p);
          })
          .value();
  api_->Attach(&server->hub(), &server->metrics());
  std::thread runner([&] { (void)server->Run(); });
  {
    auto mine = net::WebSocketClient::Connect(server->url(), "/v1/ws", owner_);
    auto theirs = net::WebSocketClient::Connect(server->url(), "/v1/ws", other_);
    ASSERT_TRUE(mine.has_value() && theirs.has_value());
    // Wait until both sockets are registered with the hub.
    for (int i = 0; i < 100 && server->hub().Count() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(PostAlert("alr_0000001", Bytes(541, 0x42)).status, 201u);
    auto message = (*mine)->Read(std::chrono::milliseconds(2000));
    ASSERT_TRUE(message.has_value() && message->has_value());
    const Json pushed = wire::ParseObject(**message).value();
    EXPECT_EQ(pushed["type"], "alert");
    EXPECT_EQ(pushed["alert_id"], "alr_0000001");
    EXPECT_EQ(pushed["camera_id"], "cam_door0000");
    EXPECT_EQ(pushed["alert"], wire::BytesField(Bytes(541, 0x42)));
    EXPECT_TRUE(pushed.contains("received"));
    auto nothing = (*theirs)->Read(std::chrono::milliseconds(300));
    ASSERT_FALSE(nothing.has_value());
    EXPECT_EQ(nothing.error().code, ErrorCode::kDeadlineExceeded);
  }
  server->Stop();
  runner.join();
}

}  // namespace
}  // namespace vigil::server
