// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/at_rest.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace vigil::crypto {
namespace {

SecretBytes Key(std::uint8_t fill) {
  return SecretBytes(Bytes(32, fill), InsecureSecretAccess::Get());
}

std::string Reveal(const SecretBytes& s) { return ToString(s.Reveal(InsecureSecretAccess::Get())); }

TEST(AtRestTest, RoundTripsAndBindsTheAssociatedData) {
  auto sealed = SealAtRest(Key(1), AsBytes("totp seed"), AsBytes("acct_alice"));
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ(sealed->size(), 9 + kAtRestOverheadBytes);
  auto opened = OpenAtRest(Key(1), *sealed, AsBytes("acct_alice"));
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(Reveal(*opened), "totp seed");
  // Copied to another account's row: refused.
  EXPECT_EQ(OpenAtRest(Key(1), *sealed, AsBytes("acct_mallory")).error().message,
            "decryption failed");
  EXPECT_FALSE(OpenAtRest(Key(2), *sealed, AsBytes("acct_alice")).has_value());
}

TEST(AtRestTest, EveryFlippedBitAndTruncationFails) {
  const Bytes sealed = SealAtRest(Key(1), AsBytes("seed"), AsBytes("a")).value();
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes t = sealed;
    t[i] ^= 0x04;
    EXPECT_FALSE(OpenAtRest(Key(1), t, AsBytes("a")).has_value()) << i;
  }
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_FALSE(OpenAtRest(Key(1), ByteSpan(sealed).first(n), AsBytes("a")).has_value()) << n;
  }
}

TEST(AtRestTest, NoncesAreFresh) {
  EXPECT_NE(SealAtRest(Key(1), AsBytes("x"), {}).value(),
            SealAtRest(Key(1), AsBytes("x"), {}).value());
  EXPECT_EQ(SealAtRest(SecretBytes::Random(16), AsBytes("x"), {}).error().code,
            ErrorCode::kInvalidArgument);
}

// docs/formats/at-rest.md's vectors: the code reproduces them exactly, and
// the negative cases fail.
TEST(AtRestTest, MatchesTheCheckedInVectors) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/tests/vectors/at-rest.json");
  const auto file = nlohmann::json::parse(in);
  const SecretBytes key(HexDecode(file["key"].get<std::string>()).value(),
                        InsecureSecretAccess::Get());
  int positives = 0;
  for (const auto& v : file["vectors"]) {
    const Bytes pt = HexDecode(v["plaintext"].get<std::string>()).value();
    const Bytes aad = HexDecode(v["associated_data"].get<std::string>()).value();
    const Bytes nonce = HexDecode(v["nonce"].get<std::string>()).value();
    auto sealed = internal::SealAtRestWithNonce(key, pt, aad, nonce);
    ASSERT_TRUE(sealed.has_value());
    EXPECT_EQ(HexEncode(*sealed), v["sealed"].get<std::string>());
    auto opened = OpenAtRest(key, *sealed, aad);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(HexEncode(opened->Reveal(InsecureSecretAccess::Get())), v["plaintext"]);
    ++positives;
  }
  int negatives = 0;
  for (const auto& n : file["negative"]) {
    EXPECT_FALSE(OpenAtRest(key, HexDecode(n["sealed"].get<std::string>()).value(),
                            HexDecode(n["associated_data"].get<std::string>()).value())
                     .has_value())
        << n["name"];
    ++negatives;
  }
  EXPECT_GE(positives, 2);
  EXPECT_GE(negatives, 5);
}

}  // namespace
}  // namespace vigil::crypto
