// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/household_envelope.h"

#include <type_traits>

#include <gtest/gtest.h>

#include "vigil/seal/key_envelope.h"

namespace vigil::seal {
namespace {

HouseholdKeyBinding Binding() { return {"household-1", 3, "device-laptop"}; }

void ExpectGenericFailure(const Result<HouseholdPrivateKey>& r) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().message, "decryption failed");
}

static_assert(!std::is_convertible_v<const DevicePublicKey&, const HouseholdPublicKey&>);
static_assert(!std::is_convertible_v<const HouseholdPrivateKey&, const DevicePrivateKey&>);

TEST(HouseholdEnvelopeTest, RoundTripsTheHouseholdKey) {
  const DevicePrivateKey device = DevicePrivateKey::Generate();
  const HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  auto envelope = SealHouseholdKey(household, device.public_key(), Binding());
  ASSERT_TRUE(envelope.has_value());
  EXPECT_EQ(envelope->size(), kHouseholdKeyEnvelopeBytes);
  EXPECT_EQ((*envelope)[5], 0x02);
  auto opened = OpenHouseholdKey(*envelope, device, Binding());
  ASSERT_TRUE(opened.has_value());
  EXPECT_TRUE(opened->secret() == household.secret());
  EXPECT_EQ(opened->public_key(), household.public_key());
  EXPECT_EQ(HouseholdEnvelopeRecipientKeyId(*envelope).value(), device.public_key().KeyId());
  EXPECT_FALSE(EnvelopeRecipientKeyId(*envelope).has_value());  // not a clip-key envelope
}

TEST(HouseholdEnvelopeTest, EveryBindingFieldMatters) {
  const DevicePrivateKey device = DevicePrivateKey::Generate();
  const Bytes envelope =
      SealHouseholdKey(HouseholdPrivateKey::Generate(), device.public_key(), Binding()).value();
  HouseholdKeyBinding b = Binding();
  b.household_id = "household-2";
  ExpectGenericFailure(OpenHouseholdKey(envelope, device, b));
  b = Binding();
  b.epoch = 4;
  ExpectGenericFailure(OpenHouseholdKey(envelope, device, b));
  b = Binding();
  b.device_id = "device-phone";
  ExpectGenericFailure(OpenHouseholdKey(envelope, device, b));
  ExpectGenericFailure(OpenHouseholdKey(envelope, DevicePrivateKey::Generate(), Binding()));
}

TEST(HouseholdEnvelopeTest, AnyFlippedBitOrLengthChangeFails) {
  const DevicePrivateKey device = DevicePrivateKey::Generate();
  const Bytes envelope =
      SealHouseholdKey(HouseholdPrivateKey::Generate(), device.public_key(), Binding()).value();
  for (std::size_t i = 0; i < envelope.size(); ++i) {
    Bytes bad = envelope;
    bad[i] ^= 0x80;
    ExpectGenericFailure(OpenHouseholdKey(bad, device, Binding()));
  }
  ExpectGenericFailure(
      OpenHouseholdKey(ByteSpan(envelope).first(envelope.size() - 1), device, Binding()));
  Bytes longer = envelope;
  longer.push_back(0);
  ExpectGenericFailure(OpenHouseholdKey(longer, device, Binding()));
  ExpectGenericFailure(OpenHouseholdKey({}, device, Binding()));
}

TEST(HouseholdEnvelopeTest, PurposesDoNotCross) {
  // The same X25519 key material as household and device: a clip-key envelope
  // must not open as a household-key envelope, even with the purpose byte
  // rewritten (the info label differs).
  const HouseholdPrivateKey as_household = HouseholdPrivateKey::Generate();
  const DevicePrivateKey as_device =
      DevicePrivateKey::FromSecret(as_household.secret().Clone()).value();
  const Bytes clip_envelope =
      SealClipKey(ClipKey::Generate(), as_household.public_key(), {"c", "d", 3}).value();
  Bytes relabelled = clip_envelope;
  relabelled[5] = 0x02;
  ExpectGenericFailure(OpenHouseholdKey(clip_envelope, as_device, {"c", 3, "d"}));
  ExpectGenericFailure(OpenHouseholdKey(relabelled, as_device, {"c", 3, "d"}));
}

TEST(HouseholdEnvelopeTest, RefusesBadIds) {
  const DevicePrivateKey device = DevicePrivateKey::Generate();
  const HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  for (const HouseholdKeyBinding& b :
       {HouseholdKeyBinding{"", 1, "d"}, HouseholdKeyBinding{"h", 1, ""},
        HouseholdKeyBinding{std::string(256, 'h'), 1, "d"}}) {
    EXPECT_EQ(SealHouseholdKey(household, device.public_key(), b).error().code,
              ErrorCode::kInvalidArgument);
  }
  EXPECT_TRUE(SealHouseholdKey(household, device.public_key(), {std::string(255, 'h'), 1, "d"})
                  .has_value());
}

}  // namespace
}  // namespace vigil::seal
