// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/secret.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace vigil::crypto {
namespace {

TEST(SecretBytesTest, HoldsACopyOfTheGivenBytes) {
  Bytes raw = {1, 2, 3, 4};
  SecretBytes secret(raw, InsecureSecretAccess::Get());
  raw[0] = 9;
  ASSERT_EQ(secret.size(), 4u);
  EXPECT_EQ(secret.Reveal(InsecureSecretAccess::Get())[0], 1);
}

TEST(SecretBytesTest, MovesLeaveTheSourceEmpty) {
  SecretBytes a = SecretBytes::Random(32);
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.size(), 32u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
}

TEST(SecretBytesTest, ComparesContents) {
  SecretBytes a = SecretBytes::Random(32);
  SecretBytes b = a.Clone();
  EXPECT_TRUE(a == b);
  b.MutableBytes(InsecureSecretAccess::Get())[31] ^= 1;
  EXPECT_FALSE(a == b);
  EXPECT_FALSE(a == SecretBytes::Random(16));
}

TEST(SecretBytesTest, RandomKeysDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    seen.insert(HexEncode(SecretBytes::Random(16).Reveal(InsecureSecretAccess::Get())));
  }
  EXPECT_EQ(seen.size(), 64u);
}

TEST(SecretBytesTest, ZeroedIsAllZero) {
  SecretBytes z = SecretBytes::Zeroed(64);
  for (auto b : z.Reveal(InsecureSecretAccess::Get())) EXPECT_EQ(b, 0);
}

TEST(ConstantTimeEqualsTest, ComparesLengthAndContent) {
  Bytes a = {1, 2, 3};
  Bytes b = {1, 2, 3};
  Bytes c = {1, 2, 4};
  Bytes d = {1, 2};
  EXPECT_TRUE(ConstantTimeEquals(a, b));
  EXPECT_FALSE(ConstantTimeEquals(a, c));
  EXPECT_FALSE(ConstantTimeEquals(a, d));
  EXPECT_TRUE(ConstantTimeEquals(Bytes{}, Bytes{}));
}

TEST(WipeTest, ZeroesTheBuffer) {
  Bytes buf = RandomBytes(32);
  buf[0] = 0xff;
  Wipe(buf);
  for (auto b : buf) EXPECT_EQ(b, 0);
}

// SecretAccess cannot be made except through InsecureSecretAccess.
static_assert(!std::is_default_constructible_v<SecretAccess>);
static_assert(!std::is_copy_constructible_v<SecretBytes>);

}  // namespace
}  // namespace vigil::crypto
