// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/camera_name.h"

#include <string>

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

CameraNameBinding Binding() { return {"hh-0001", "cam-garage"}; }

void ExpectGenericFailure(const Result<std::string>& r) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().message, "decryption failed");
}

TEST(CameraNameTest, RoundTripsAndFitsTheNameColumn) {
  const HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  for (const std::string& name : {std::string("Front door"), std::string(45, 'x'),
                                  std::string("Caf\xc3\xa9 \xf0\x9f\x93\xb7")}) {
    auto sealed = SealCameraName(name, household.public_key(), Binding());
    ASSERT_TRUE(sealed.has_value()) << sealed.error().ToString();
    EXPECT_EQ(sealed->size(), kSealedCameraNameBytes);
    EXPECT_EQ(Base64UrlEncode(*sealed).size(), 128u);
    EXPECT_EQ(OpenCameraName(*sealed, household, Binding()).value(), name);
    // Nothing of the name is visible.
    EXPECT_EQ(std::string(sealed->begin(), sealed->end()).find(name), std::string::npos);
  }
}

TEST(CameraNameTest, SealedNamesDoNotRevealTheLength) {
  const HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  EXPECT_EQ(SealCameraName("a", household.public_key(), Binding())->size(),
            SealCameraName(std::string(45, 'a'), household.public_key(), Binding())->size());
}

TEST(CameraNameTest, BadNamesAreRefusedWithTheReason) {
  const HouseholdPublicKey key = HouseholdPrivateKey::Generate().public_key();
  auto too_long = SealCameraName(std::string(46, 'x'), key, Binding());
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(too_long.error().message.find("at most 45 bytes"), std::string::npos);
  EXPECT_EQ(SealCameraName("", key, Binding()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealCameraName("tab\there", key, Binding()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealCameraName("bad \xc3", key, Binding()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealCameraName("over \xc0\xaf", key, Binding()).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(SealCameraName("ok", key, {"", "cam"}).error().code, ErrorCode::kInvalidArgument);
}

TEST(CameraNameTest, EveryBindingFieldAndByteMatters) {
  const HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  const Bytes sealed = SealCameraName("Garage", household.public_key(), Binding()).value();
  ExpectGenericFailure(OpenCameraName(sealed, household, {"hh-0002", "cam-garage"}));
  ExpectGenericFailure(OpenCameraName(sealed, household, {"hh-0001", "cam-porch"}));
  ExpectGenericFailure(OpenCameraName(sealed, HouseholdPrivateKey::Generate(), Binding()));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes flipped = sealed;
    flipped[i] ^= 0x01;
    ExpectGenericFailure(OpenCameraName(flipped, household, Binding()));
  }
  ExpectGenericFailure(OpenCameraName(ByteSpan(sealed).first(95), household, Binding()));
}

}  // namespace
}  // namespace vigil::seal
