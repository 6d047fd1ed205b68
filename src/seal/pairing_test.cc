// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/pairing.h"

#include <cctype>

#include <gtest/gtest.h>

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SigningKey;
using crypto::VerifyKey;

void ExpectVerificationFailed(const Status& s) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(s.error().message, "verification failed");
}

struct Parties {
  SigningKey camera = SigningKey::Generate();
  SigningKey owner = SigningKey::Generate();
  HouseholdPrivateKey household = HouseholdPrivateKey::Generate();
  PairingSecret secret = PairingSecret::Generate();
  std::string code;
  Parties() { code = EncodePairingCode(secret, camera.verify_key(), InsecureSecretAccess::Get()); }
};

TEST(PairingCodeTest, RoundTripsSecretAndFingerprint) {
  Parties p;
  ASSERT_EQ(p.code.size(), kPairingCodeChars);
  EXPECT_EQ(p.code.substr(0, 5), "VGL1-");
  EXPECT_EQ(p.code.find(' '), std::string::npos);
  auto decoded = DecodePairingCode(p.code);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->secret.secret() == p.secret.secret());
  EXPECT_EQ(decoded->camera_fingerprint, CameraKeyFingerprint(p.camera.verify_key()));
  std::string lower = p.code;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_TRUE(DecodePairingCode(lower).has_value());
}

TEST(PairingCodeTest, MalformedCodesAreErrors) {
  Parties p;
  const std::string& c = p.code;
  for (const std::string& bad :
       {std::string(), c.substr(0, c.size() - 1), c + "A", "VGL2-" + c.substr(5),
        "VGL1 " + c.substr(5), c.substr(0, 10) + " " + c.substr(11),
        c.substr(0, 10) + "0" + c.substr(11), c.substr(0, 10) + "=" + c.substr(11)}) {
    auto r = DecodePairingCode(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, "invalid pairing code");
  }
  // The last character carries 2 padding bits that must be zero.
  std::string last = c;
  last.back() = last.back() == 'B' ? 'C' : 'B';
  EXPECT_FALSE(DecodePairingCode(last).has_value());
}

TEST(PairingCodeTest, EverySubstitutionIsCaughtByTheProtocol) {
  // A substituted character decodes (or not) to another secret or fingerprint;
  // the offer from the real camera then fails verification.
  Parties p;
  const CameraOffer offer = MakeCameraOffer(p.secret, p.camera.verify_key());
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  for (std::size_t i = 5; i < p.code.size(); ++i) {
    for (char ch : {kAlphabet[0], kAlphabet[31]}) {
      if (ch == p.code[i]) continue;
      std::string typo = p.code;
      typo[i] = ch;
      auto decoded = DecodePairingCode(typo);
      if (!decoded) continue;  // caught by decoding (padding bits)
      ExpectVerificationFailed(VerifyCameraOffer(*decoded, offer));
    }
  }
}

TEST(PairingTest, HonestRunSucceeds) {
  Parties p;
  // Camera: offer.
  const CameraOffer offer = MakeCameraOffer(p.secret, p.camera.verify_key());
  EXPECT_EQ(offer.pairing_id, PairingId(p.secret));
  EXPECT_EQ(offer.pairing_id.size(), kPairingIdBytes);
  // Owner: types the code, checks the offer, claims.
  const PairingCode typed = DecodePairingCode(p.code).value();
  ASSERT_TRUE(VerifyCameraOffer(typed, offer).has_value());
  const PairingClaim claim =
      MakePairingClaim(typed.secret, p.owner, p.household.public_key(), 7, offer.camera_key);
  // Camera: checks the claim.
  ASSERT_TRUE(VerifyPairingClaim(p.secret, p.camera.verify_key(), claim).has_value());
  EXPECT_EQ(claim.owner_key, p.owner.verify_key());
}

TEST(PairingTest, SwappedCameraKeyFailsAtTheOwner) {
  Parties p;
  const PairingCode typed = DecodePairingCode(p.code).value();
  const VerifyKey mallory = SigningKey::Generate().verify_key();
  // The server substitutes its own key, keeping the MAC: MAC and fingerprint fail.
  CameraOffer offer = MakeCameraOffer(p.secret, p.camera.verify_key());
  offer.camera_key = mallory;
  ExpectVerificationFailed(VerifyCameraOffer(typed, offer));
  // Even a MAC made with the right secret cannot hide a key that does not
  // match the fingerprint on the camera's screen (fingerprint check alone).
  ExpectVerificationFailed(VerifyCameraOffer(typed, MakeCameraOffer(p.secret, mallory)));
  // Another pairing id, or a flipped MAC bit.
  CameraOffer other = MakeCameraOffer(p.secret, p.camera.verify_key());
  other.pairing_id[0] ^= 1;
  ExpectVerificationFailed(VerifyCameraOffer(typed, other));
  other = MakeCameraOffer(p.secret, p.camera.verify_key());
  other.mac[31] ^= 1;
  ExpectVerificationFailed(VerifyCameraOffer(typed, other));
  // An offer under another secret for the same camera.
  ExpectVerificationFailed(
      VerifyCameraOffer(typed, MakeCameraOffer(PairingSecret::Generate(), p.camera.verify_key())));
}

TEST(PairingTest, SwappedOwnerHouseholdOrCameraFailsAtTheCamera) {
  Parties p;
  const VerifyKey camera = p.camera.verify_key();
  const PairingClaim good =
      MakePairingClaim(p.secret, p.owner, p.household.public_key(), 7, camera);
  ASSERT_TRUE(VerifyPairingClaim(p.secret, camera, good).has_value());

  PairingClaim bad = good;
  bad.owner_key = SigningKey::Generate().verify_key();
  ExpectVerificationFailed(VerifyPairingClaim(p.secret, camera, bad));
  bad = good;
  bad.household_key = HouseholdPrivateKey::Generate().public_key();
  ExpectVerificationFailed(VerifyPairingClaim(p.secret, camera, bad));
  bad = good;
  bad.household_epoch = 8;
  ExpectVerificationFailed(VerifyPairingClaim(p.secret, camera, bad));
  bad = good;
  bad.mac[0] ^= 1;
  ExpectVerificationFailed(VerifyPairingClaim(p.secret, camera, bad));
  bad = good;
  bad.owner_signature[0] ^= 1;
  ExpectVerificationFailed(VerifyPairingClaim(p.secret, camera, bad));
  // A claim made for another camera key, or under another secret.
  ExpectVerificationFailed(VerifyPairingClaim(p.secret, SigningKey::Generate().verify_key(), good));
  ExpectVerificationFailed(VerifyPairingClaim(PairingSecret::Generate(), camera, good));
  // The server's own complete claim (its owner key, correctly signed) without
  // the secret: the MAC fails.
  const SigningKey server_owner = SigningKey::Generate();
  const PairingClaim forged = MakePairingClaim(PairingSecret::Generate(), server_owner,
                                               p.household.public_key(), 7, camera);
  ExpectVerificationFailed(VerifyPairingClaim(p.secret, camera, forged));
}

TEST(PairingTest, RoleLabelsSeparateOfferAndClaimMacs) {
  const VerifyKey k = SigningKey::Generate().verify_key();
  const Bytes offer = internal::CameraOfferMacInput(k);
  EXPECT_EQ(ToString(ByteSpan(offer).subspan(2, 6)), "camera");
  const Bytes claim =
      internal::OwnerClaimMacInput(k, HouseholdPrivateKey::Generate().public_key(), 1, k);
  EXPECT_EQ(ToString(ByteSpan(claim).subspan(2, 5)), "owner");
  EXPECT_EQ(offer.size(), 2 + 6 + 2 + 32u);
  EXPECT_EQ(claim.size(), 2 + 5 + 3 * (2 + 32) + 2 + 8u);
}

}  // namespace
}  // namespace vigil::seal
