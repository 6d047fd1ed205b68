// SPDX-License-Identifier: Apache-2.0
// Key chains, households, pairing and cameras through the API handlers, over
// the real SQLite store and blob directory (002 §Devices and key chains,
// §Households and pairing). The server treats every key-chain version,
// envelope, claim and name as opaque bytes: these tests check sizes, order,
// ownership and the camera credential, not cryptography.

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "api_test_fixture.h"

#include "vigil/core/clock.h"
#include "vigil/crypto/hash.h"
#include "vigil/server/api.h"
#include "vigil/store/sqlite_metadata_store.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using wire::Json;

class ApiHouseholdTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    alice_ = CreateAccount("alice@example.com", "acct_alice000");
    bob_ = CreateAccount("bob@example.com", "acct_bob00000");
  }

  net::HttpResponse Call(const std::string& method, const std::string& target,
                         const std::string& token, const Json& body = Json::object()) {
    net::HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body.empty() ? "" : wire::Dump(body);
    if (!token.empty()) request.headers.Set("Authorization", "Bearer " + token);
    return api_->Handle(request, net::PeerInfo{"127.0.0.1", 40000, true});
  }

  static Json Parsed(const net::HttpResponse& r) { return wire::ParseObject(r.body).value(); }

  std::string CreateAccount(const std::string& email, const std::string& id) {
    const auto d = crypto::Sha256(AsBytes(email));
    const Json body = {{"account_id", id},
                       {"device_id", "dev_" + id},
                       {"email", email},
                       {"account_salt", wire::BytesField(Bytes(16, 1))},
                       {"argon2_time_cost", 3},
                       {"argon2_memory_kib", 65536},
                       {"auth_key", wire::BytesField(Bytes(d.begin(), d.end()))},
                       {"wrapped_keyring", wire::BytesField(Bytes(80, 2))},
                       {"recovery_wrapped_keyring", wire::BytesField(Bytes(80, 3))},
                       {"recovery_salt", wire::BytesField(Bytes(16, 4))},
                       {"recovery_auth_key", wire::BytesField(Bytes(32, 5))}};
    auto r = Call("POST", "/v1/accounts", "", body);
    EXPECT_EQ(r.status, 201u) << r.body;
    return Parsed(r)["session_token"].get<std::string>();
  }

  void CreateHousehold(const std::string& token, const std::string& id, const std::string& device) {
    const Json body = {
        {"household_id", id},
        {"epoch", 1},
        {"envelopes",
         Json::array({{{"device_id", device}, {"envelope", wire::BytesField(Bytes(124, 4))}}})}};
    auto r = Call("POST", "/v1/household", token, body);
    ASSERT_EQ(r.status, 201u) << r.body;
  }

  // A camera's offer, then Alice's claim; returns the camera's poll answer.
  Json PairCamera(const std::string& pairing_id, const std::string& camera_id) {
    const Json offer = {{"pairing_id", pairing_id},
                        {"camera_sign_public_key", wire::BytesField(Bytes(32, 5))},
                        {"camera_box_public_key", wire::BytesField(Bytes(32, 6))},
                        {"mac", wire::BytesField(Bytes(32, 7))},
                        {"name", "camera"}};
    EXPECT_EQ(Call("POST", "/v1/pairing", "", offer).status, 201u);
    EXPECT_EQ(Parsed(Call("GET", "/v1/pairing/" + pairing_id + "/claim", ""))["claimed"], false);
    EXPECT_EQ(Call("GET", "/v1/pairing/" + pairing_id, alice_).status, 200u);
    auto r = Call("POST", "/v1/pairing/" + pairing_id + "/claim", alice_, Claim(camera_id));
    EXPECT_EQ(r.status, 201u) << r.body;
    return Parsed(Call("GET", "/v1/pairing/" + pairing_id + "/claim", ""));
  }

  static Json Claim(const std::string& camera_id, Bytes name = Bytes(96, 8)) {
    return {{"household_id", "hh_alice0000"},
            {"camera_id", camera_id},
            {"name", wire::BytesField(name)},
            {"claim",
             {{"owner_key", wire::BytesField(Bytes(32, 9))},
              {"household_key", wire::BytesField(Bytes(32, 10))},
              {"epoch", 1},
              {"owner_signature", wire::BytesField(Bytes(64, 11))},
              {"mac", wire::BytesField(Bytes(32, 12))}}}};
  }

  static std::string PairingId(std::uint8_t fill) { return Base64UrlEncode(Bytes(32, fill)); }

  std::string alice_, bob_;
};

TEST_F(ApiHouseholdTest, KeyChainVersionsAppendInOrderOnly) {
  auto version = [](int n) {
    return Json{{"version", n},
                {"payload", wire::BytesField(Bytes(100, static_cast<std::uint8_t>(n)))},
                {"signature", wire::BytesField(Bytes(64, 1))}};
  };
  EXPECT_EQ(Parsed(Call("GET", "/v1/keychain", alice_))["versions"].size(), 0u);
  EXPECT_EQ(Call("POST", "/v1/keychain", alice_, version(2)).status, 412u);
  EXPECT_EQ(Call("POST", "/v1/keychain", alice_, version(1)).status, 201u);
  EXPECT_EQ(Call("POST", "/v1/keychain", alice_, version(1)).status, 412u);
  EXPECT_EQ(Call("POST", "/v1/keychain", alice_, version(2)).status, 201u);
  const Json all = Parsed(Call("GET", "/v1/keychain", alice_));
  ASSERT_EQ(all["versions"].size(), 2u);
  EXPECT_EQ(all["versions"][1]["payload"], wire::BytesField(Bytes(100, 2)));
  EXPECT_EQ(Parsed(Call("GET", "/v1/keychain?after=1", alice_))["versions"].size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/keychain?after=x", alice_).status, 400u);
  // Bob's chain is his own.
  EXPECT_EQ(Parsed(Call("GET", "/v1/keychain", bob_))["versions"].size(), 0u);
  Json short_sig = version(3);
  short_sig["signature"] = wire::BytesField(Bytes(63, 1));
  EXPECT_EQ(Call("POST", "/v1/keychain", alice_, short_sig).status, 400u);
}

TEST_F(ApiHouseholdTest, OneHouseholdPerAccountAndEachDeviceSeesItsEnvelopes) {
  EXPECT_EQ(Call("GET", "/v1/household", alice_).status, 404u);
  CreateHousehold(alice_, "hh_alice0000", "dev_acct_alice000");
  EXPECT_EQ(Call("POST", "/v1/household", alice_,
                 {{"household_id", "hh_alice0001"},
                  {"epoch", 1},
                  {"envelopes", Json::array({{{"device_id", "dev_acct_alice000"},
                                              {"envelope", wire::BytesField(Bytes(124, 4))}}})}})
                .status,
            409u);
  // Another device's envelope is stored but not shown to this device.
  EXPECT_EQ(Call("POST", "/v1/household/envelopes", alice_,
                 {{"epoch", 1},
                  {"envelopes", Json::array({{{"device_id", "dev_phone0000"},
                                              {"envelope", wire::BytesField(Bytes(124, 5))}}})}})
                .status,
            201u);
  EXPECT_EQ(Call("POST", "/v1/household/envelopes", alice_,
                 {{"epoch", 2},
                  {"envelopes", Json::array({{{"device_id", "dev_phone0000"},
                                              {"envelope", wire::BytesField(Bytes(124, 5))}}})}})
                .status,
            412u);
  const Json mine = Parsed(Call("GET", "/v1/household", alice_));
  EXPECT_EQ(mine["household_id"], "hh_alice0000");
  ASSERT_EQ(mine["envelopes"].size(), 1u);
  EXPECT_EQ(mine["envelopes"][0]["envelope"], wire::BytesField(Bytes(124, 4)));
  EXPECT_EQ(Call("GET", "/v1/household", bob_).status, 404u);
}

TEST_F(ApiHouseholdTest, AClaimStoresTheSealedNameAndIssuesTheCredentialOnce) {
  CreateHousehold(alice_, "hh_alice0000", "dev_acct_alice000");
  CreateHousehold(bob_, "hh_bob000000", "dev_acct_bob00000");
  // A plain name is refused: the server takes sealed names only.
  const Json offer = {{"pairing_id", PairingId(1)},
                      {"camera_sign_public_key", wire::BytesField(Bytes(32, 5))},
                      {"camera_box_public_key", wire::BytesField(Bytes(32, 6))},
                      {"mac", wire::BytesField(Bytes(32, 7))},
                      {"name", "camera"}};
  ASSERT_EQ(Call("POST", "/v1/pairing", "", offer).status, 201u);
  EXPECT_EQ(Call("POST", "/v1/pairing", "", offer).status, 409u);
  EXPECT_EQ(
      Call("POST", "/v1/pairing/" + PairingId(1) + "/claim", alice_, Claim("cam_front0000", {}))
          .status,
      400u);
  // Bob cannot claim into Alice's household: it reads as missing.
  EXPECT_EQ(
      Call("POST", "/v1/pairing/" + PairingId(1) + "/claim", bob_, Claim("cam_front0000")).status,
      404u);

  const Json poll = PairCamera(PairingId(2), "cam_front0000");
  ASSERT_EQ(poll["claimed"], true) << poll;
  EXPECT_EQ(poll["camera_id"], "cam_front0000");
  EXPECT_EQ(poll["claim"]["owner_key"], wire::BytesField(Bytes(32, 9)));
  const std::string credential = poll["credential"].get<std::string>();
  const auto hash = crypto::Sha256(AsBytes(credential));
  const auto camera = metadata_->GetCameraByCredentialHash(Bytes(hash.begin(), hash.end()));
  ASSERT_TRUE(camera.has_value());
  EXPECT_EQ(camera->name, wire::BytesField(Bytes(96, 8)));  // the sealed name, as sent
  EXPECT_EQ(camera->household_id, "hh_alice0000");
  // The same code again: already used for Alice, unknown for Bob.
  EXPECT_EQ(
      Call("POST", "/v1/pairing/" + PairingId(2) + "/claim", alice_, Claim("cam_other0000")).status,
      409u);
  EXPECT_EQ(Call("GET", "/v1/pairing/" + PairingId(2), bob_).status, 404u);
  // The credential is served while the claim is collected, then no more.
  clock_.AdvanceMillis(std::int64_t{31} * 60 * 1000);
  EXPECT_EQ(Call("GET", "/v1/pairing/" + PairingId(2) + "/claim", "").status, 404u);
  EXPECT_EQ(Call("GET", "/v1/pairing/" + PairingId(1) + "/claim", "").status, 412u);
}

TEST_F(ApiHouseholdTest, RetentionAndDeletionTouchOnlyTheCallersCameras) {
  CreateHousehold(alice_, "hh_alice0000", "dev_acct_alice000");
  CreateHousehold(bob_, "hh_bob000000", "dev_acct_bob00000");
  ASSERT_EQ(PairCamera(PairingId(3), "cam_front0000")["claimed"], true);
  const Json list = Parsed(Call("GET", "/v1/cameras", alice_));
  ASSERT_EQ(list["cameras"].size(), 1u);
  EXPECT_TRUE(list["cameras"][0]["retention_days"].is_null());
  EXPECT_EQ(Parsed(Call("GET", "/v1/cameras", bob_))["cameras"].size(), 0u);

  EXPECT_EQ(Parsed(Call("PATCH", "/v1/cameras/cam_front0000", alice_,
                        {{"retention_days", 7}}))["retention_days"],
            7);
  EXPECT_TRUE(Parsed(Call("PATCH", "/v1/cameras/cam_front0000", alice_,
                          {{"retention_days", 0}}))["retention_days"]
                  .is_null());
  EXPECT_EQ(Call("PATCH", "/v1/cameras/cam_front0000", alice_, {{"retention_days", 36501}}).status,
            400u);
  EXPECT_EQ(Call("PATCH", "/v1/cameras/cam_front0000", bob_, {{"retention_days", 1}}).status, 404u);
  EXPECT_EQ(Call("DELETE", "/v1/cameras/cam_front0000", bob_).status, 404u);

  // A committed clip of the camera: deleting the camera deletes row and blob.
  const Bytes data(1000, 0x42);
  const auto digest = crypto::Sha256(data);
  store::ClipRecord clip;
  clip.clip_id = "clip_front001";
  clip.household_id = "hh_alice0000";
  clip.camera_id = "cam_front0000";
  clip.start_unix_min = clock_.NowUnixSeconds() / 60;
  clip.duration_s = 10;
  clip.size_bytes = static_cast<std::int64_t>(data.size());
  clip.sha256 = Bytes(digest.begin(), digest.end());
  clip.sequence = 1;
  clip.envelope = Bytes(124, 1);
  clip.declared_unix_s = clock_.NowUnixSeconds();
  ASSERT_TRUE(metadata_->DeclareClip(clip).has_value());
  ASSERT_TRUE(blobs_->Append(clip.clip_id, 0, data).has_value());
  ASSERT_TRUE(blobs_->Commit(clip.clip_id, data.size(), digest).has_value());
  ASSERT_TRUE(metadata_->MarkClipCommitted(clip.clip_id, {clock_.NowUnixSeconds(), "cam", ""}));

  const auto r = Call("DELETE", "/v1/cameras/cam_front0000", alice_);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(Parsed(r)["clips_deleted"], 1);
  EXPECT_EQ(metadata_->GetClip(clip.clip_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(blobs_->CommittedSize(clip.clip_id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Parsed(Call("GET", "/v1/cameras", alice_))["cameras"].size(), 0u);
  EXPECT_EQ(Call("DELETE", "/v1/cameras/cam_front0000", alice_).status, 404u);
}

}  // namespace
}  // namespace vigil::server
