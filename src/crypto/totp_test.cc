// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/totp.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigil::crypto {
namespace {

TotpSeed Rfc6238Seed() {
  return TotpSeed::FromSecret(
             SecretBytes(AsBytes("12345678901234567890"), InsecureSecretAccess::Get()))
      .value();
}

void ExpectInvalidCode(const Result<std::uint64_t>& r) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(r.error().message, "invalid one-time code");
}

// RFC 6238 Appendix B, SHA-1 rows (8 digits). A 6-digit code is the same
// truncated value mod 10^6, i.e. the last six digits.
TEST(TotpTest, MatchesRfc6238Sha1Vectors) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/tests/vectors/rfc6238-totp.json");
  const auto file = nlohmann::json::parse(in);
  ASSERT_EQ(file["secrets_ascii"]["SHA1"], "12345678901234567890");
  ASSERT_EQ(file["parameters"]["X_seconds"], 30);
  ASSERT_EQ(file["parameters"]["T0"], 0);
  const TotpSeed seed = Rfc6238Seed();
  int checked = 0;
  for (const auto& v : file["vectors"]) {
    if (v["mode"] != "SHA1") continue;
    const std::int64_t t = v["unix_time"].get<std::int64_t>();
    const std::string expected8 = v["totp_8"];
    EXPECT_EQ(internal::TotpCodeWithDigits(seed.secret(), t, 8).value(), expected8) << t;
    EXPECT_EQ(TotpStep(t), std::stoull(v["T_hex"].get<std::string>(), nullptr, 16)) << t;
    const std::string expected6 = expected8.substr(2);
    EXPECT_EQ(TotpCode(seed, t).value(), expected6) << t;
    EXPECT_EQ(VerifyTotp(seed, expected6, t).value(), TotpStep(t)) << t;
    ++checked;
  }
  EXPECT_EQ(checked, 6);  // includes 20000000000, past 2^32 seconds
}

TEST(TotpTest, AcceptsOneStepEitherSideOnly) {
  const TotpSeed seed = TotpSeed::Generate();
  const std::int64_t now = 1'700'000'000;
  const std::uint64_t step = TotpStep(now);
  for (int delta : {-1, 0, 1}) {
    const std::string code = TotpCode(seed, now + delta * kTotpStepSeconds).value();
    auto r = VerifyTotp(seed, code, now);
    ASSERT_TRUE(r.has_value()) << delta;
    EXPECT_EQ(*r, step + static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)));
  }
  for (int delta : {-3, -2, 2, 3}) {
    const std::string code = TotpCode(seed, now + delta * kTotpStepSeconds).value();
    const std::string current = TotpCode(seed, now).value();
    if (code == current) continue;  // a 1-in-10^6 collision is not a failure of the window
    ExpectInvalidCode(VerifyTotp(seed, code, now));
  }
}

TEST(TotpTest, ACodeIsAcceptedOnce) {
  const TotpSeed seed = TotpSeed::Generate();
  const std::int64_t now = 1'700'000'010;
  const std::string code = TotpCode(seed, now).value();
  auto first = VerifyTotp(seed, code, now);
  ASSERT_TRUE(first.has_value());
  // The server stores *first and passes *first + 1 from then on.
  ExpectInvalidCode(VerifyTotp(seed, code, now, *first + 1));
  ExpectInvalidCode(VerifyTotp(seed, code, now + 20, *first + 1));
  // An older code (previous step) is refused too once a later one was used.
  const std::string previous = TotpCode(seed, now - kTotpStepSeconds).value();
  if (previous != code) ExpectInvalidCode(VerifyTotp(seed, previous, now, *first + 1));
  // The next step's code is still fine.
  const std::string next = TotpCode(seed, now + kTotpStepSeconds).value();
  auto later = VerifyTotp(seed, next, now + kTotpStepSeconds, *first + 1);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(*later, *first + 1);
}

TEST(TotpTest, RejectsMalformedAndWrongCodes) {
  const TotpSeed seed = Rfc6238Seed();
  const std::int64_t t = 59;  // code 287082
  ASSERT_TRUE(VerifyTotp(seed, "287082", t).has_value());
  for (std::string_view bad :
       {"", "28708", "2870820", "287O82", " 87082", "287082\n", "-87082", "94287082", "287083"}) {
    ExpectInvalidCode(VerifyTotp(seed, bad, t));
  }
  ExpectInvalidCode(VerifyTotp(TotpSeed::Generate(), "287082", t));
  EXPECT_EQ(VerifyTotp(seed, "287082", -1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyTotp(seed, "287082", t, 0, kTotpMaxWindowSteps + 1).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(TotpSeed::FromSecret(SecretBytes::Random(16)).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(TotpTest, EnrolmentUriCarriesTheBase32Seed) {
  const TotpSeed seed = Rfc6238Seed();
  // base32("12345678901234567890") per RFC 4648.
  EXPECT_EQ(TotpEnrolmentUri(seed, "Vigil", "alice@example.org").value(),
            "otpauth://totp/Vigil:alice%40example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Vigil&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(TotpEnrolmentUri(seed, "My Home", "bob").value().substr(0, 31),
            "otpauth://totp/My%20Home:bob?se");
  EXPECT_FALSE(TotpEnrolmentUri(seed, "", "bob").has_value());
  EXPECT_FALSE(TotpEnrolmentUri(seed, "a:b", "bob").has_value());
  EXPECT_FALSE(TotpEnrolmentUri(seed, "Vigil", "").has_value());
}

}  // namespace
}  // namespace vigil::crypto
