// SPDX-License-Identifier: Apache-2.0
// Deny by default, proven on the router's own table: every route is called
// with no token, the wrong kind of caller, a revoked session, and another
// household's ids; every call must be refused. The same for the WebSocket.
// (A caching bug at another vendor showed customers each other's events.)

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "api_test_fixture.h"

#include "vigil/crypto/hash.h"
#include "vigil/server/api.h"
#include "vigil/server/route.h"
#include "vigil/store/sqlite_metadata_store.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using wire::Json;

class ApiAuthzTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    alice_ = CreateAccount("alice@example.com", "acct_alice000");
    bob_ = CreateAccount("bob@example.com", "acct_bob00000");
    // Bob's household and camera, made directly in the store.
    const store::Audit audit{clock_.NowUnixSeconds(), "acct_bob00000", ""};
    ASSERT_TRUE(metadata_->CreateHousehold(
        {"hh_bob000000", "acct_bob00000", 1, std::nullopt, clock_.NowUnixSeconds()}, audit));
    camera_token_ = "camera-credential-token-of-bob";
    const auto cred = crypto::Sha256(AsBytes(camera_token_));
    ASSERT_TRUE(metadata_->CreateCamera(
        {"cam_bob00000", "hh_bob000000", "front door", Bytes(32, 7),
         Bytes(cred.begin(), cred.end()), std::nullopt, clock_.NowUnixSeconds()},
        audit));
    // Bob's committed clip (blob durable, row committed).
    const Bytes clip_bytes(1000, 0x5a);
    const auto clip_digest = crypto::Sha256(clip_bytes);
    ASSERT_TRUE(metadata_->DeclareClip({"clip_bob00000", "hh_bob000000", "cam_bob00000", 29933861,
                                        10, 1000, Bytes(clip_digest.begin(), clip_digest.end()), 1,
                                        Bytes(124, 4), clock_.NowUnixSeconds(), std::nullopt}));
    ASSERT_TRUE(blobs_->Append("clip_bob00000", 0, clip_bytes));
    ASSERT_TRUE(blobs_->Commit("clip_bob00000", 1000, clip_digest));
    ASSERT_TRUE(metadata_->MarkClipCommitted("clip_bob00000", audit));
    // Alice has a household and a camera of her own.
    const store::Audit alice_audit{clock_.NowUnixSeconds(), "acct_alice000", ""};
    ASSERT_TRUE(metadata_->CreateHousehold(
        {"hh_alice0000", "acct_alice000", 1, std::nullopt, clock_.NowUnixSeconds()}, alice_audit));
    alice_camera_token_ = "camera-credential-token-of-alice";
    const auto alice_cred = crypto::Sha256(AsBytes(alice_camera_token_));
    ASSERT_TRUE(metadata_->CreateCamera(
        {"cam_alice000", "hh_alice0000", "garden", Bytes(32, 8),
         Bytes(alice_cred.begin(), alice_cred.end()), std::nullopt, clock_.NowUnixSeconds()},
        alice_audit));
    // A pairing offer Bob claimed (with a second camera).
    ASSERT_TRUE(metadata_->CreatePairingOffer({"pair_bob0000", Bytes(32, 8), Bytes(32, 9),
                                               Bytes(32, 10), "camera", clock_.NowUnixSeconds(),
                                               clock_.NowUnixSeconds() + 600}));
    const auto cred2 = crypto::Sha256(AsBytes(camera_token_ + "-2"));
    ASSERT_TRUE(metadata_->ClaimPairing(
        {"pair_bob0000", "hh_bob000000", "cam_bob00001", Bytes(cred2.begin(), cred2.end()),
         Bytes(8, 1), "acct_bob00000", clock_.NowUnixSeconds()},
        "sealed-name", audit));
    // A session of Alice's that is then revoked.
    revoked_token_ = Login("alice@example.com");
    bob_session_id_ = SessionIdOf(bob_);
    Call("DELETE", "/v1/sessions/" + SessionIdOf(revoked_token_), alice_);
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

  std::string CreateAccount(const std::string& email, const std::string& id) {
    const Json body = {{"account_id", id},
                       {"device_id", "dev_" + id},
                       {"email", email},
                       {"account_salt", wire::BytesField(Bytes(16, 1))},
                       {"argon2_time_cost", 3},
                       {"argon2_memory_kib", 65536},
                       {"auth_key", wire::BytesField(AuthKeyOf(email))},
                       {"wrapped_keyring", wire::BytesField(Bytes(80, 2))},
                       {"recovery_wrapped_keyring", wire::BytesField(Bytes(80, 3))},
                       {"recovery_salt", wire::BytesField(Bytes(16, 4))},
                       {"recovery_auth_key", wire::BytesField(Bytes(32, 5))}};
    auto r = Call("POST", "/v1/accounts", "", wire::Dump(body));
    EXPECT_EQ(r.status, 201u) << r.body;
    return wire::ParseObject(r.body).value()["session_token"].get<std::string>();
  }

  std::string Login(const std::string& email) {
    const Json body = {{"email", email},
                       {"device_id", "dev_second01"},
                       {"auth_key", wire::BytesField(AuthKeyOf(email))}};
    auto r = Call("POST", "/v1/login", "", wire::Dump(body));
    EXPECT_EQ(r.status, 200u) << r.body;
    return wire::ParseObject(r.body).value()["session_token"].get<std::string>();
  }

  static Bytes AuthKeyOf(const std::string& email) {
    const auto d = crypto::Sha256(AsBytes(email));
    return Bytes(d.begin(), d.end());
  }

  static std::string SessionIdOf(const std::string& token) {
    const auto d = crypto::Sha256(AsBytes(token));
    return store::SessionId(Bytes(d.begin(), d.end()));
  }

  // The target for `spec`, with {id} naming one of Bob's objects.
  std::string BobsTarget(const RouteSpec& spec) const {
    std::string target(spec.pattern);
    const auto brace = target.find("{id}");
    if (brace == std::string::npos) return target;
    std::string id = "clip_bob00000";
    if (spec.owned == Owned::kSession) id = bob_session_id_;
    if (spec.owned == Owned::kCamera) id = "cam_bob00000";
    if (spec.owned == Owned::kPairing) id = "pair_bob0000";
    return target.replace(brace, 4, id);
  }

  static bool Refused(unsigned status) { return status == 401 || status == 403 || status == 404; }

  std::string alice_, bob_, camera_token_, alice_camera_token_, revoked_token_, bob_session_id_;
};

TEST_F(ApiAuthzTest, EveryNonAnonymousRouteRefusesMissingWrongAndRevokedCredentials) {
  int checked = 0;
  for (const RouteSpec& spec : RouteTable()) {
    if (spec.caller == Caller::kAnonymous) continue;
    const std::string target = BobsTarget(spec);
    const std::string method(spec.method);
    const std::string wrong_kind = spec.caller == Caller::kOwner ? camera_token_ : alice_;
    for (const auto& [what, token] : {std::pair<std::string, std::string>{"no token", ""},
                                      {"a token of the wrong kind", wrong_kind},
                                      {"a revoked session", revoked_token_},
                                      {"garbage", "not-a-token"}}) {
      const auto r = Call(method, target, token, "{}");
      EXPECT_EQ(r.status, 401u) << method << " " << spec.pattern << " with " << what << ": "
                                << r.body;
    }
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

TEST_F(ApiAuthzTest, AnotherHouseholdsIdsAreNeverServed) {
  // Alice names Bob's session, camera, clip and pairing ids on every owner
  // route that takes an id: refused exactly like an id that does not exist.
  for (const RouteSpec& spec : RouteTable()) {
    if (spec.caller != Caller::kOwner || spec.owned == Owned::kNothing) continue;
    const auto r = Call(std::string(spec.method), BobsTarget(spec), alice_, "{}");
    EXPECT_TRUE(Refused(r.status))
        << spec.method << " " << spec.pattern << ": " << r.status << " " << r.body;
  }
  // Bob's session still exists: Alice's attempt to revoke it did nothing.
  EXPECT_EQ(Call("GET", "/v1/sessions", bob_).status, 200u);
  // Bob's clip too: Alice's DELETE did nothing, and Bob still reads it.
  EXPECT_EQ(Call("GET", "/v1/clips/clip_bob00000", bob_).status, 200u);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_bob00000/data", bob_).body, std::string(1000, 0x5a));
  // Alice's event list does not show it.
  const auto events = Call("GET", "/v1/events", alice_);
  ASSERT_EQ(events.status, 200u) << events.body;
  EXPECT_EQ(events.body.find("clip_bob00000"), std::string::npos);
  EXPECT_EQ(Call("GET", "/v1/events?camera=cam_bob00000", alice_).status, 404u);
}

TEST_F(ApiAuthzTest, ACameraWritesOnlyIntoItsOwnHousehold) {
  // Alice's camera cannot append to Bob's clip, nor take over its id.
  net::HttpRequest put;
  put.method = "PUT";
  put.target = "/v1/clips/clip_bob00000/data";
  put.body = "xyz";
  put.headers.Set("Authorization", "Bearer " + alice_camera_token_);
  put.headers.Set("Content-Range", "bytes 0-2/1000");
  EXPECT_EQ(api_->Handle(put, net::PeerInfo{"127.0.0.1", 1, true}).status, 404u);
  const Json declare = {{"clip_id", "clip_bob00000"},
                        {"start", "2026-11-30T10:00:00Z"},
                        {"duration_s", 10},
                        {"size_bytes", 1000},
                        {"sha256", wire::BytesField(Bytes(32, 1))},
                        {"sequence", 1},
                        {"envelope", wire::BytesField(Bytes(124, 4))}};
  EXPECT_EQ(Call("POST", "/v1/clips", alice_camera_token_, wire::Dump(declare)).status, 409u);
  EXPECT_EQ(Call("GET", "/v1/clips/clip_bob00000/data", bob_).body, std::string(1000, 0x5a));
}

TEST_F(ApiAuthzTest, TheWebSocketAcceptsOnlyALiveOwnerSession) {
  auto upgrade = [&](const std::string& token) {
    net::HttpRequest request;
    request.method = "GET";
    request.target = "/v1/ws";
    if (!token.empty()) request.headers.Set("Authorization", "Bearer " + token);
    return api_->AuthorizeWebSocket(request, net::PeerInfo{"127.0.0.1", 1, true});
  };
  EXPECT_TRUE(upgrade(alice_).has_value());
  EXPECT_EQ(upgrade(alice_).value(), SessionIdOf(alice_));
  for (const std::string& token : {std::string(), camera_token_, revoked_token_}) {
    auto r = upgrade(token);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
}

TEST_F(ApiAuthzTest, APasswordChangeEndsOtherSessionsAtOnce) {
  const std::string phone = Login("alice@example.com");
  const Json body = {{"auth_key", wire::BytesField(AuthKeyOf("alice@example.com"))},
                     {"new_account_salt", wire::BytesField(Bytes(16, 9))},
                     {"new_argon2_time_cost", 3},
                     {"new_argon2_memory_kib", 65536},
                     {"new_auth_key", wire::BytesField(Bytes(32, 5))},
                     {"new_wrapped_keyring", wire::BytesField(Bytes(80, 6))}};
  ASSERT_EQ(Call("POST", "/v1/password", alice_, wire::Dump(body)).status, 200u);
  EXPECT_EQ(Call("GET", "/v1/sessions", phone).status, 401u);
  EXPECT_EQ(Call("GET", "/v1/sessions", alice_).status, 200u);
}

TEST_F(ApiAuthzTest, BadInputGetsAClearJsonError) {
  for (const std::string& body :
       {std::string("{"), std::string("[]"), std::string(R"({"email":5})"),
        std::string(R"({"email":"x@y.z","auth_key":"!!","device_id":"dev_aaaaaaaa"})")}) {
    const auto r = Call("POST", "/v1/login", "", body);
    EXPECT_EQ(r.status, 400u) << body;
    auto parsed = wire::ParseObject(r.body);
    ASSERT_TRUE(parsed.has_value()) << r.body;
    EXPECT_EQ((*parsed)["error"]["code"], "invalid_argument");
  }
  EXPECT_EQ(Call("GET", "/v1/nope", alice_).status, 404u);
  EXPECT_EQ(Call("DELETE", "/v1/events", alice_).status, 405u);
}

}  // namespace
}  // namespace vigil::server
