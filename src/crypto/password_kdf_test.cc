// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/password_kdf.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "internal/argon2_raw.h"

namespace vigil::crypto {
namespace {

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/tests/vectors/argon2-vectors.json");
  return nlohmann::json::parse(in);
}

Bytes Hex(const nlohmann::json& v) { return HexDecode(v.get<std::string>()).value(); }

TEST(Argon2idTest, ReproducesEveryArgon2idVectorIncludingRfc9106) {
  int checked = 0;
  bool saw_rfc = false;
  const nlohmann::json vectors = LoadVectors();
  for (const auto& v : vectors["vectors"]) {
    if (v["type"] != "argon2id") continue;
    const Bytes password = Hex(v["password_hex"]);
    const Bytes salt = Hex(v["salt_hex"]);
    const Bytes secret = Hex(v["secret_hex"]);
    const Bytes ad = Hex(v["ad_hex"]);
    internal::Argon2idInput input{password,
                                  salt,
                                  secret,
                                  ad,
                                  v["t_cost"].get<std::uint32_t>(),
                                  v["m_cost_kib"].get<std::uint32_t>(),
                                  v["parallelism"].get<std::uint32_t>()};
    Bytes tag(v["tag_length"].get<std::size_t>());
    ASSERT_TRUE(internal::Argon2idRaw(input, tag).has_value());
    EXPECT_EQ(HexEncode(tag), v["tag_hex"].get<std::string>()) << v["source"];
    saw_rfc = saw_rfc || v["source"] == "RFC 9106 section 5.3";
    ++checked;
  }
  EXPECT_TRUE(saw_rfc);
  EXPECT_GE(checked, 5);
}

TEST(Argon2idTest, PublicApiIsTheP1FormOfTheRawFunction) {
  SecretBytes password(AsBytes("correct horse"), InsecureSecretAccess::Get());
  const Bytes salt(16, 0x42);
  auto key = Argon2id(password, salt, kMinimumArgon2idCost, 32);
  ASSERT_TRUE(key.has_value());
  Bytes expected(32);
  internal::Argon2idInput input{
      AsBytes("correct horse"),        salt, {}, {}, kMinimumArgon2idCost.time_cost,
      kMinimumArgon2idCost.memory_kib, 1};
  ASSERT_TRUE(internal::Argon2idRaw(input, expected).has_value());
  EXPECT_EQ(HexEncode(key->Reveal(InsecureSecretAccess::Get())), HexEncode(expected));
}

TEST(Argon2idTest, RefusesCostsBelowTheFloor) {
  SecretBytes password(AsBytes("pw"), InsecureSecretAccess::Get());
  const Bytes salt(16, 1);
  auto weak_memory = Argon2id(password, salt, {3, 1024}, 32);
  ASSERT_FALSE(weak_memory.has_value());
  EXPECT_EQ(weak_memory.error().code, ErrorCode::kFailedPrecondition);
  auto weak_time = Argon2id(password, salt, {1, 64 * 1024}, 32);
  EXPECT_EQ(weak_time.error().code, ErrorCode::kFailedPrecondition);
  auto huge = Argon2id(password, salt, {3, 4 * 1024 * 1024}, 32);
  EXPECT_EQ(huge.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(CheckArgon2idCost(kDefaultArgon2idCost).has_value());
}

TEST(Argon2idTest, RejectsBadSaltAndLength) {
  SecretBytes password(AsBytes("pw"), InsecureSecretAccess::Get());
  EXPECT_EQ(Argon2id(password, Bytes(15), kMinimumArgon2idCost, 32).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Argon2id(password, Bytes(16), kMinimumArgon2idCost, 8).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::crypto
