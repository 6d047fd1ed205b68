// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/pairing.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "internal/base32.h"
#include "internal/envelope.h"
#include "vigil/core/check.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

constexpr std::string_view kCodePrefix = "VGL1-";

Error VerificationFailed() { return Error{ErrorCode::kDataLoss, "verification failed"}; }
Error InvalidCode() { return Error{ErrorCode::kInvalidArgument, "invalid pairing code"}; }

SecretBytes Derive(const PairingSecret& secret, crypto::KeyPurpose purpose, std::size_t length) {
  auto key = crypto::DeriveKey(secret.secret(), {}, purpose, {}, length);
  VIGIL_CHECK(key.has_value()) << "HKDF failed";
  return std::move(*key);
}

Bytes U64(std::uint64_t value) {
  Bytes out;
  AppendU64(out, value);
  return out;
}

}  // namespace

namespace internal {

SecretBytes PairingMacKey(const PairingSecret& secret) {
  return Derive(secret, crypto::KeyPurpose::kPairingMac, 32);
}

Bytes CameraOfferMacInput(const crypto::VerifyKey& camera_key) {
  Bytes in;
  AppendLengthPrefixed(in, AsBytes("camera"));
  AppendLengthPrefixed(in, camera_key.bytes());
  return in;
}

Bytes OwnerClaimMacInput(const crypto::VerifyKey& owner_key,
                         const HouseholdPublicKey& household_key, std::uint64_t household_epoch,
                         const crypto::VerifyKey& camera_key) {
  Bytes in;
  AppendLengthPrefixed(in, AsBytes("owner"));
  AppendLengthPrefixed(in, owner_key.bytes());
  AppendLengthPrefixed(in, household_key.bytes());
  AppendLengthPrefixed(in, U64(household_epoch));
  AppendLengthPrefixed(in, camera_key.bytes());
  return in;
}

Bytes PairingClaimSignedMessage(ByteSpan pairing_id, const crypto::VerifyKey& owner_key,
                                const HouseholdPublicKey& household_key,
                                std::uint64_t household_epoch,
                                const crypto::VerifyKey& camera_key) {
  Bytes m;
  AppendLengthPrefixed(m, pairing_id);
  AppendLengthPrefixed(m, owner_key.bytes());
  AppendLengthPrefixed(m, household_key.bytes());
  AppendLengthPrefixed(m, U64(household_epoch));
  AppendLengthPrefixed(m, camera_key.bytes());
  return m;
}

}  // namespace internal

PairingSecret PairingSecret::Generate() {
  return PairingSecret(SecretBytes::Random(kPairingSecretBytes));
}

Result<PairingSecret> PairingSecret::FromSecret(SecretBytes secret) {
  if (secret.size() != kPairingSecretBytes) {
    return Fail(ErrorCode::kInvalidArgument, "a pairing secret is 16 bytes");
  }
  return PairingSecret(std::move(secret));
}

CameraFingerprint CameraKeyFingerprint(const crypto::VerifyKey& camera_key) {
  const auto digest = crypto::Sha256(camera_key.bytes());
  CameraFingerprint fp{};
  std::copy_n(digest.begin(), fp.size(), fp.begin());
  return fp;
}

std::string EncodePairingCode(const PairingSecret& secret, const crypto::VerifyKey& camera_key,
                              crypto::SecretAccess access) {
  const auto s = secret.secret().Reveal(access);
  Bytes payload(s.begin(), s.end());
  Append(payload, CameraKeyFingerprint(camera_key));
  std::string code = std::string(kCodePrefix) + internal::Base32Encode(payload);
  crypto::Wipe(payload);
  return code;
}

Result<PairingCode> DecodePairingCode(std::string_view code) {
  if (code.size() != kPairingCodeChars) return Fail(InvalidCode());
  std::string upper(code);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  const bool prefix_ok = upper.compare(0, kCodePrefix.size(), kCodePrefix) == 0;
  const std::string_view upper_view = upper;
  auto payload = internal::Base32Decode(upper_view.substr(kCodePrefix.size()));
  crypto::Wipe(
      std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(upper.data()), upper.size()));
  if (!prefix_ok || !payload || payload->size() != kPairingSecretBytes + kCameraFingerprintBytes) {
    if (payload) crypto::Wipe(*payload);
    return Fail(InvalidCode());
  }
  CameraFingerprint fp{};
  std::copy_n(payload->begin() + kPairingSecretBytes, fp.size(), fp.begin());
  SecretBytes s(ByteSpan(*payload).first(kPairingSecretBytes), InsecureSecretAccess::Get());
  crypto::Wipe(*payload);
  VIGIL_TRY(secret, PairingSecret::FromSecret(std::move(s)));
  return PairingCode{std::move(secret), fp};
}

Bytes PairingId(const PairingSecret& secret) {
  const SecretBytes id = Derive(secret, crypto::KeyPurpose::kPairingId, kPairingIdBytes);
  const auto b = id.Reveal(InsecureSecretAccess::Get());
  return Bytes(b.begin(), b.end());
}

CameraOffer MakeCameraOffer(const PairingSecret& secret, const crypto::VerifyKey& camera_key) {
  return CameraOffer{PairingId(secret), camera_key,
                     crypto::HmacSha256(internal::PairingMacKey(secret),
                                        internal::CameraOfferMacInput(camera_key))};
}

Status VerifyCameraOffer(const PairingCode& code, const CameraOffer& offer) {
  // Every check runs; one error at the end, so no check is an oracle.
  const bool id_ok = crypto::ConstantTimeEquals(PairingId(code.secret), offer.pairing_id);
  const bool fp_ok =
      crypto::ConstantTimeEquals(CameraKeyFingerprint(offer.camera_key), code.camera_fingerprint);
  const PairingMac expected = crypto::HmacSha256(internal::PairingMacKey(code.secret),
                                                 internal::CameraOfferMacInput(offer.camera_key));
  const bool mac_ok = crypto::ConstantTimeEquals(expected, offer.mac);
  if (!(id_ok & fp_ok & mac_ok)) return Fail(VerificationFailed());
  return OkStatus();
}

PairingClaim MakePairingClaim(const PairingSecret& secret, const crypto::SigningKey& owner,
                              const HouseholdPublicKey& household_key,
                              std::uint64_t household_epoch, const crypto::VerifyKey& camera_key) {
  const crypto::VerifyKey& owner_key = owner.verify_key();
  const Bytes message = internal::PairingClaimSignedMessage(
      PairingId(secret), owner_key, household_key, household_epoch, camera_key);
  return PairingClaim{
      owner_key, household_key, household_epoch,
      owner.Sign(crypto::SignaturePurpose::kPairingClaim, message),
      crypto::HmacSha256(
          internal::PairingMacKey(secret),
          internal::OwnerClaimMacInput(owner_key, household_key, household_epoch, camera_key))};
}

Status VerifyPairingClaim(const PairingSecret& secret, const crypto::VerifyKey& camera_key,
                          const PairingClaim& claim) {
  const PairingMac expected =
      crypto::HmacSha256(internal::PairingMacKey(secret),
                         internal::OwnerClaimMacInput(claim.owner_key, claim.household_key,
                                                      claim.household_epoch, camera_key));
  const bool mac_ok = crypto::ConstantTimeEquals(expected, claim.mac);
  const Bytes message = internal::PairingClaimSignedMessage(
      PairingId(secret), claim.owner_key, claim.household_key, claim.household_epoch, camera_key);
  const bool sig_ok =
      claim.owner_key
          .Verify(crypto::SignaturePurpose::kPairingClaim, message, claim.owner_signature)
          .has_value();
  if (!(mac_ok & sig_ok)) return Fail(VerificationFailed());
  return OkStatus();
}

}  // namespace vigil::seal
