// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/keys.h"

#include <type_traits>

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

// Key separation by type: a key made for one purpose cannot be passed where
// another is expected.
struct DeviceRole {};
static_assert(!std::is_convertible_v<RecipientPublicKey<DeviceRole>, HouseholdPublicKey>);
static_assert(!std::is_constructible_v<HouseholdPrivateKey, ClipKey>);
static_assert(!std::is_constructible_v<ClipKey, HouseholdPrivateKey>);
static_assert(!std::is_copy_constructible_v<ClipKey>);
static_assert(!std::is_copy_constructible_v<HouseholdPrivateKey>);

TEST(ClipKeyTest, IsRandomAnd256Bits) {
  ClipKey a = ClipKey::Generate();
  ClipKey b = ClipKey::Generate();
  EXPECT_EQ(a.secret().size(), 32u);
  EXPECT_FALSE(a.secret() == b.secret());
  EXPECT_EQ(ClipKey::FromSecret(crypto::SecretBytes::Random(16)).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(HouseholdKeyTest, PublicKeyIsDerivedFromThePrivateKey) {
  // RFC 7748 §6.1: Alice's private and public keys.
  Bytes alice_private =
      HexDecode("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").value();
  auto key = HouseholdPrivateKey::FromSecret(
      crypto::SecretBytes(alice_private, crypto::InsecureSecretAccess::Get()));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(HexEncode(key->public_key().bytes()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(key->public_key().KeyId(), crypto::Sha256(key->public_key().bytes()));
}

TEST(HouseholdKeyTest, RejectsWrongLengths) {
  EXPECT_EQ(HouseholdPublicKey::FromBytes(Bytes(31)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(HouseholdPrivateKey::FromSecret(crypto::SecretBytes::Random(33)).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::seal
