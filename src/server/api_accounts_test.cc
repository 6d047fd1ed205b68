// SPDX-License-Identifier: Apache-2.0
// The recovery routes of api_accounts.cc over Api::Handle (no sockets): the
// recovery code is checked against its verifier, refused alike for a wrong
// code and an unknown email, throttled like a login, and a reset replaces
// every credential and ends every session. The same over real processes:
// tests/integration/test_recovery.py.

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "api_test_fixture.h"

#include "vigil/crypto/hash.h"
#include "vigil/server/api.h"
#include "vigil/store/sqlite_metadata_store.h"
#include "vigil/wire/json.h"

namespace vigil::server {
namespace {

using wire::Json;

constexpr char kEmail[] = "alice@example.com";

class ApiRecoveryTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    const Json body = {{"account_id", "acct_alice000"},
                       {"device_id", "dev_laptop00"},
                       {"email", kEmail},
                       {"account_salt", wire::BytesField(Bytes(16, 1))},
                       {"argon2_time_cost", 3},
                       {"argon2_memory_kib", 65536},
                       {"auth_key", wire::BytesField(Bytes(32, 2))},
                       {"wrapped_keyring", wire::BytesField(Bytes(80, 3))},
                       {"recovery_wrapped_keyring", wire::BytesField(Bytes(80, 4))},
                       {"recovery_salt", wire::BytesField(Bytes(16, 5))},
                       {"recovery_auth_key", wire::BytesField(Bytes(32, 6))}};
    auto created = Post("/v1/accounts", body);
    ASSERT_EQ(created.status, 201u) << created.body;
    laptop_ = Parse(created)["session_token"].get<std::string>();
  }

  net::HttpResponse Post(const std::string& target, const Json& body,
                         const std::string& token = "") {
    net::HttpRequest request;
    request.method = target == "/v1/sessions" ? "GET" : "POST";
    request.target = target;
    request.body = body.is_null() ? "" : wire::Dump(body);
    if (!token.empty()) request.headers.Set("Authorization", "Bearer " + token);
    return api_->Handle(request, net::PeerInfo{"192.0.2.1", 40000, true});
  }
  static Json Parse(const net::HttpResponse& r) { return wire::ParseObject(r.body).value(); }
  static std::string ErrorMessage(const net::HttpResponse& r) {
    return Parse(r)["error"]["message"].get<std::string>();
  }
  // Past any throttle delay a failure may have started.
  void WaitOutThrottle() { clock_.AdvanceMillis(LoginThrottle::kMaxDelayMillis + 1); }

  static Json Reset(std::uint8_t proof, std::uint8_t new_proof) {
    return {{"email", kEmail},
            {"recovery_auth_key", wire::BytesField(Bytes(32, proof))},
            {"device_id", "dev_newphone"},
            {"new_account_salt", wire::BytesField(Bytes(16, 11))},
            {"new_argon2_time_cost", 3},
            {"new_argon2_memory_kib", 65536},
            {"new_auth_key", wire::BytesField(Bytes(32, 12))},
            {"new_wrapped_keyring", wire::BytesField(Bytes(80, 13))},
            {"new_recovery_wrapped_keyring", wire::BytesField(Bytes(80, 14))},
            {"new_recovery_salt", wire::BytesField(Bytes(16, 15))},
            {"new_recovery_auth_key", wire::BytesField(Bytes(32, new_proof))}};
  }

  std::string laptop_;
};

TEST_F(ApiRecoveryTest, TheSaltIsTheAccountsAndStableButFakeForUnknownEmails) {
  auto real = Post("/v1/recovery/salt", {{"email", "Alice@Example.com"}});
  ASSERT_EQ(real.status, 200u) << real.body;
  EXPECT_EQ(Parse(real)["recovery_salt"], wire::BytesField(Bytes(16, 5)));
  auto unknown = Post("/v1/recovery/salt", {{"email", "nobody@example.com"}});
  ASSERT_EQ(unknown.status, 200u);
  EXPECT_EQ(Parse(unknown)["recovery_salt"].get<std::string>().size(),
            wire::BytesField(Bytes(16, 0)).size());
  EXPECT_EQ(Parse(Post("/v1/recovery/salt", {{"email", "nobody@example.com"}})), Parse(unknown));
  // Not the fake login salt: a real account's two salts differ too.
  EXPECT_NE(Parse(Post("/v1/login/salt", {{"email", "nobody@example.com"}}))["account_salt"],
            Parse(unknown)["recovery_salt"]);
  EXPECT_EQ(Post("/v1/recovery/salt", {{"email", 5}}).status, 400u);
}

TEST_F(ApiRecoveryTest, TheRightCodeGetsTheRecoveryKeyringAndNothingElse) {
  auto r = Post("/v1/recovery",
                {{"email", kEmail}, {"recovery_auth_key", wire::BytesField(Bytes(32, 6))}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(Parse(r)["recovery_wrapped_keyring"], wire::BytesField(Bytes(80, 4)));
  EXPECT_EQ(Parse(r)["account_id"], "acct_alice000");
  EXPECT_FALSE(Parse(r).contains("session_token"));
  // Fetching changes nothing: the laptop's session lives on.
  EXPECT_EQ(Post("/v1/sessions", nullptr, laptop_).status, 200u);
}

TEST_F(ApiRecoveryTest, AWrongCodeAndAnUnknownEmailAreRefusedAlikeAndThrottled) {
  auto wrong = Post("/v1/recovery",
                    {{"email", kEmail}, {"recovery_auth_key", wire::BytesField(Bytes(32, 7))}});
  EXPECT_EQ(wrong.status, 401u);
  WaitOutThrottle();
  auto unknown = Post("/v1/recovery", {{"email", "nobody@example.com"},
                                       {"recovery_auth_key", wire::BytesField(Bytes(32, 6))}});
  EXPECT_EQ(unknown.status, 401u);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(ErrorMessage(wrong), "wrong email or recovery code");
  // A second guess right away waits, even with the right code.
  WaitOutThrottle();
  ASSERT_EQ(Post("/v1/recovery",
                 {{"email", kEmail}, {"recovery_auth_key", wire::BytesField(Bytes(32, 8))}})
                .status,
            401u);
  auto throttled = Post("/v1/recovery",
                        {{"email", kEmail}, {"recovery_auth_key", wire::BytesField(Bytes(32, 6))}});
  EXPECT_EQ(throttled.status, 429u) << throttled.body;
  EXPECT_NE(ErrorMessage(throttled).find("retry in"), std::string::npos);
  // Recovery failures count against logins too (one budget per email).
  auto login = Post("/v1/login", {{"email", kEmail},
                                  {"device_id", "dev_laptop00"},
                                  {"auth_key", wire::BytesField(Bytes(32, 2))}});
  EXPECT_EQ(login.status, 429u) << login.body;
  WaitOutThrottle();
  EXPECT_EQ(Post("/v1/recovery",
                 {{"email", kEmail}, {"recovery_auth_key", wire::BytesField(Bytes(32, 6))}})
                .status,
            200u);
}

TEST_F(ApiRecoveryTest, AResetReplacesEveryCredentialAndEndsEverySession) {
  auto phone = Post("/v1/login", {{"email", kEmail},
                                  {"device_id", "dev_phone000"},
                                  {"auth_key", wire::BytesField(Bytes(32, 2))}});
  ASSERT_EQ(phone.status, 200u);
  const std::string phone_token = Parse(phone)["session_token"].get<std::string>();

  auto r = Post("/v1/recovery", Reset(6, 16));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(Parse(r)["sessions_ended"], 2);
  const std::string fresh = Parse(r)["session_token"].get<std::string>();
  EXPECT_EQ(Post("/v1/sessions", nullptr, laptop_).status, 401u);
  EXPECT_EQ(Post("/v1/sessions", nullptr, phone_token).status, 401u);
  auto sessions = Post("/v1/sessions", nullptr, fresh);
  ASSERT_EQ(sessions.status, 200u);
  EXPECT_EQ(Parse(sessions)["sessions"].size(), 1u);

  const store::AccountRecord after = metadata_->GetAccountByEmail(kEmail).value();
  EXPECT_EQ(after.account_salt, Bytes(16, 11));
  EXPECT_EQ(after.wrapped_keyring, Bytes(80, 13));
  EXPECT_EQ(after.recovery_wrapped_keyring, Bytes(80, 14));
  EXPECT_EQ(after.recovery_salt, Bytes(16, 15));
  // The old password and the old code are dead; the new ones work.
  EXPECT_EQ(Post("/v1/login", {{"email", kEmail},
                               {"device_id", "dev_laptop00"},
                               {"auth_key", wire::BytesField(Bytes(32, 2))}})
                .status,
            401u);
  WaitOutThrottle();
  EXPECT_EQ(Post("/v1/recovery",
                 {{"email", kEmail}, {"recovery_auth_key", wire::BytesField(Bytes(32, 6))}})
                .status,
            401u);
  WaitOutThrottle();
  EXPECT_EQ(Post("/v1/login", {{"email", kEmail},
                               {"device_id", "dev_laptop00"},
                               {"auth_key", wire::BytesField(Bytes(32, 12))}})
                .status,
            200u);
  EXPECT_EQ(Post("/v1/recovery",
                 {{"email", kEmail}, {"recovery_auth_key", wire::BytesField(Bytes(32, 16))}})
                .status,
            200u);
}

TEST_F(ApiRecoveryTest, AResetWithAWrongCodeOrBadFieldsChangesNothing) {
  EXPECT_EQ(Post("/v1/recovery", Reset(7, 16)).status, 401u);
  WaitOutThrottle();
  // The same recovery code again is refused: a recovery must retire the old one.
  auto same = Post("/v1/recovery", Reset(6, 6));
  EXPECT_EQ(same.status, 400u) << same.body;
  for (const char* field :
       {"device_id", "new_auth_key", "new_recovery_salt", "new_recovery_auth_key"}) {
    Json body = Reset(6, 16);
    body.erase(field);
    auto r = Post("/v1/recovery", body);
    EXPECT_EQ(r.status, 400u) << field << ": " << r.body;
    EXPECT_NE(ErrorMessage(r).find(field), std::string::npos) << r.body;
  }
  Json weak = Reset(6, 16);
  weak["new_argon2_memory_kib"] = 1024;
  EXPECT_EQ(Post("/v1/recovery", weak).status, 400u);
  EXPECT_EQ(Post("/v1/sessions", nullptr, laptop_).status, 200u);
  EXPECT_EQ(metadata_->GetAccountByEmail(kEmail).value().recovery_salt, Bytes(16, 5));
}

TEST_F(ApiRecoveryTest, AnAccountWithoutAVerifierCannotBeRecoveredByAnyCode) {
  // As an account made before migration 002: recovery_verifier is NULL.
  store::AccountRecord old{"acct_old00000", "old@example.com", Bytes(16, 1), 3, 65536,
                           Bytes(32, 2),    Bytes(80, 3),      Bytes(80, 4), 0, std::nullopt,
                           std::nullopt};
  ASSERT_TRUE(metadata_->CreateAccount(old, store::Audit{0, "acct_old00000", ""}));
  auto r = Post("/v1/recovery", {{"email", "old@example.com"},
                                 {"recovery_auth_key", wire::BytesField(Bytes(32, 0))}});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(ErrorMessage(r), "wrong email or recovery code");
}

}  // namespace
}  // namespace vigil::server
