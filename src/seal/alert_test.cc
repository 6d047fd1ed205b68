// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/alert.h"

#include <string>

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

constexpr std::string_view kAlertId = "alr_0001aaaa";
constexpr std::string_view kCameraId = "cam_porch001";
constexpr std::uint64_t kEpoch = 3;

AlertContent Content() {
  return AlertContent{
      AlertKind::kEventStarted, "evt_20261130_152001", 1795965601, 0, {"motion", "person"}, 4200};
}

struct Keys {
  crypto::SigningKey camera = crypto::SigningKey::Generate();
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
};

Bytes Seal(const Keys& k, const AlertContent& c = Content()) {
  auto sealed = SealAlert(c, kAlertId, kCameraId, kEpoch, k.household.public_key(), k.camera);
  EXPECT_TRUE(sealed.has_value()) << sealed.error().ToString();
  return sealed.value_or(Bytes{});
}

void ExpectFailure(const Result<AlertContent>& r, std::string_view message) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(r.error().message, message);
}

TEST(AlertTest, RoundTripsBothKinds) {
  const Keys k;
  AlertContent complete = Content();
  complete.kind = AlertKind::kClipComplete;
  complete.sequence = 17;
  complete.labels = {};
  for (const AlertContent& c : {Content(), complete}) {
    const Bytes sealed = Seal(k, c);
    EXPECT_EQ(sealed.size(), kSealedAlertBytes);
    auto opened =
        OpenAlert(sealed, kAlertId, kCameraId, kEpoch, k.camera.verify_key(), k.household);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    EXPECT_EQ(*opened, c);
    EXPECT_EQ(AlertHouseholdEpoch(sealed).value(), kEpoch);
    EXPECT_EQ(std::string(sealed.begin(), sealed.end()).find("person"), std::string::npos);
  }
}

TEST(AlertTest, SizeDoesNotRevealTheLabels) {
  const Keys k;
  AlertContent many = Content();
  many.labels.assign(kMaxAlertLabels, std::string(kMaxAlertLabelBytes, 'x'));
  many.clip_id = std::string(kMaxAlertClipIdBytes, 'c');
  AlertContent none = Content();
  none.labels.clear();
  EXPECT_EQ(Seal(k, many).size(), Seal(k, none).size());
}

TEST(AlertTest, OutOfBoundsContentIsRefused) {
  const Keys k;
  auto refused = [&](const AlertContent& c) {
    auto r = SealAlert(c, kAlertId, kCameraId, kEpoch, k.household.public_key(), k.camera);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  };
  AlertContent c = Content();
  c.labels.assign(kMaxAlertLabels + 1, "person");
  refused(c);
  c = Content();
  c.labels = {std::string(kMaxAlertLabelBytes + 1, 'x')};
  refused(c);
  c = Content();
  c.labels = {"tab\there"};
  refused(c);
  c = Content();
  c.clip_id.clear();
  refused(c);
  c = Content();
  c.motion_score = 10001;
  refused(c);
  c = Content();
  c.kind = static_cast<AlertKind>(3);
  refused(c);
  EXPECT_FALSE(
      SealAlert(Content(), "", kCameraId, kEpoch, k.household.public_key(), k.camera).has_value());
}

TEST(AlertTest, EveryByteIsCoveredBySignatureOrEncryption) {
  const Keys k;
  const Bytes sealed = Seal(k);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes flipped = sealed;
    flipped[i] ^= 0x01;
    ExpectFailure(
        OpenAlert(flipped, kAlertId, kCameraId, kEpoch, k.camera.verify_key(), k.household),
        "verification failed");
  }
  ExpectFailure(OpenAlert(ByteSpan(sealed).first(sealed.size() - 1), kAlertId, kCameraId, kEpoch,
                          k.camera.verify_key(), k.household),
                "verification failed");
}

TEST(AlertTest, OtherKeysIdsAndEpochFail) {
  const Keys k;
  const Bytes sealed = Seal(k);
  const auto verify = k.camera.verify_key();
  ExpectFailure(OpenAlert(sealed, kAlertId, kCameraId, kEpoch,
                          crypto::SigningKey::Generate().verify_key(), k.household),
                "verification failed");
  ExpectFailure(OpenAlert(sealed, "alr_0002aaaa", kCameraId, kEpoch, verify, k.household),
                "verification failed");
  ExpectFailure(OpenAlert(sealed, kAlertId, "cam_garage01", kEpoch, verify, k.household),
                "verification failed");
  ExpectFailure(OpenAlert(sealed, kAlertId, kCameraId, kEpoch + 1, verify, k.household),
                "decryption failed");
  ExpectFailure(
      OpenAlert(sealed, kAlertId, kCameraId, kEpoch, verify, HouseholdPrivateKey::Generate()),
      "decryption failed");
}

// Known-answer vectors rely on this; decoding accepts only the one encoding.
TEST(AlertTest, SealingIsDeterministicGivenTheEphemeralKeyAndPaddingIsChecked) {
  const Keys k;
  const crypto::SecretBytes ephemeral = crypto::SecretBytes::Random(32);
  AlertContent c = Content();
  auto sealed = internal::SealAlertForVectors(c, kAlertId, kCameraId, kEpoch,
                                              k.household.public_key(), k.camera, &ephemeral);
  ASSERT_TRUE(sealed.has_value());
  auto again = internal::SealAlertForVectors(c, kAlertId, kCameraId, kEpoch,
                                             k.household.public_key(), k.camera, &ephemeral);
  EXPECT_EQ(*sealed, *again);  // deterministic given the ephemeral key
  auto padded = internal::EncodeAlertContent(c);
  ASSERT_TRUE(padded.has_value());
  EXPECT_EQ(padded->size(), kAlertPaddedBytes);
  EXPECT_EQ(internal::DecodeAlertContent(*padded).value(), c);
  Bytes bad_padding = *padded;
  bad_padding.back() = 1;
  EXPECT_FALSE(internal::DecodeAlertContent(bad_padding).has_value());
}

}  // namespace
}  // namespace vigil::seal
