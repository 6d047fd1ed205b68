// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/key_envelope.h"

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

ClipBinding Binding() { return {"clip-0001", "camera-front-door", 7}; }

void ExpectGenericFailure(const Result<ClipKey>& r) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().message, "decryption failed");
}

TEST(KeyEnvelopeTest, RoundTripsTheClipKey) {
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  ClipKey key = ClipKey::Generate();
  auto envelope = SealClipKey(key, household.public_key(), Binding());
  ASSERT_TRUE(envelope.has_value());
  EXPECT_EQ(envelope->size(), kClipKeyEnvelopeBytes);
  auto opened = OpenClipKey(*envelope, household, Binding());
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(opened->secret() == key.secret());
  EXPECT_EQ(EnvelopeRecipientKeyId(*envelope).value(), household.public_key().KeyId());
}

TEST(KeyEnvelopeTest, EveryBindingFieldMatters) {
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  const Bytes envelope =
      SealClipKey(ClipKey::Generate(), household.public_key(), Binding()).value();
  ClipBinding other = Binding();
  other.clip_id = "clip-0002";
  ExpectGenericFailure(OpenClipKey(envelope, household, other));
  other = Binding();
  other.camera_id = "camera-back-door";
  ExpectGenericFailure(OpenClipKey(envelope, household, other));
  other = Binding();
  other.household_epoch = 8;
  ExpectGenericFailure(OpenClipKey(envelope, household, other));
}

TEST(KeyEnvelopeTest, LengthPrefixesKeepIdsApart) {
  // ("ab", "c") and ("a", "bc") must not give the same info.
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  const Bytes envelope =
      SealClipKey(ClipKey::Generate(), household.public_key(), {"ab", "c", 1}).value();
  ExpectGenericFailure(OpenClipKey(envelope, household, {"a", "bc", 1}));
}

TEST(KeyEnvelopeTest, AnotherHouseholdCannotOpen) {
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  HouseholdPrivateKey stranger = HouseholdPrivateKey::Generate();
  const Bytes envelope =
      SealClipKey(ClipKey::Generate(), household.public_key(), Binding()).value();
  ExpectGenericFailure(OpenClipKey(envelope, stranger, Binding()));
}

TEST(KeyEnvelopeTest, AnyFlippedBitOrLengthChangeFails) {
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  const Bytes envelope =
      SealClipKey(ClipKey::Generate(), household.public_key(), Binding()).value();
  for (std::size_t i = 0; i < envelope.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes tampered = envelope;
      tampered[i] ^= static_cast<std::uint8_t>(1 << bit);
      ExpectGenericFailure(OpenClipKey(tampered, household, Binding()));
    }
  }
  ExpectGenericFailure(
      OpenClipKey(ByteSpan(envelope).first(envelope.size() - 1), household, Binding()));
  Bytes longer = envelope;
  longer.push_back(0);
  ExpectGenericFailure(OpenClipKey(longer, household, Binding()));
}

TEST(KeyEnvelopeTest, RejectsEmptyOrOverlongIds) {
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  EXPECT_EQ(SealClipKey(ClipKey::Generate(), household.public_key(), {"", "cam", 1}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      SealClipKey(ClipKey::Generate(), household.public_key(), {std::string(256, 'x'), "cam", 1})
          .error()
          .code,
      ErrorCode::kInvalidArgument);
}

TEST(KeyEnvelopeTest, RecipientKeyIdRejectsOtherBytes) {
  EXPECT_EQ(EnvelopeRecipientKeyId(Bytes(kClipKeyEnvelopeBytes, 0)).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::seal
