// SPDX-License-Identifier: Apache-2.0
#pragma once

// Camera pairing with a one-time secret the server never sees
// (docs/design/002-vigild.md §Households and pairing):
//
//   camera shows  CODE = "VGL1-" base32(s || fp),  fp = SHA-256(camera key)[0..10)
//   pairing_id  = DeriveKey(s, "vigil/v1/pairing-id")     (public: the server's lookup key)
//   mac_key     = DeriveKey(s, "vigil/v1/pairing-mac")
//   offer  mac_c = HMAC-SHA256(mac_key, lp("camera") || lp(camera key))
//   claim  mac_o = HMAC-SHA256(mac_key, lp("owner") || lp(owner key) || lp(household key)
//                                        || lp(u64 epoch) || lp(camera key))
//
// A server that swaps the camera key fails the owner's fingerprint and mac_c
// checks; one that swaps the owner or household key fails the camera's mac_o
// check. Byte layouts: docs/formats/pairing-code.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

inline constexpr std::size_t kPairingSecretBytes = 16;  // 128 bits
inline constexpr std::size_t kCameraFingerprintBytes = 10;
inline constexpr std::size_t kPairingIdBytes = 32;
inline constexpr std::size_t kPairingCodeChars = 47;  // "VGL1-" + 42 base32 characters

using CameraFingerprint = std::array<std::uint8_t, kCameraFingerprintBytes>;
using PairingMac = crypto::Sha256Digest;

// The one-time pairing secret `s`, made by the camera. Move-only.
class PairingSecret {
 public:
  static PairingSecret Generate();
  // Fails with kInvalidArgument unless `secret` is 16 bytes.
  static Result<PairingSecret> FromSecret(crypto::SecretBytes secret);
  const crypto::SecretBytes& secret() const { return secret_; }

 private:
  explicit PairingSecret(crypto::SecretBytes secret) : secret_(std::move(secret)) {}
  crypto::SecretBytes secret_;
};

// fp = the first 10 bytes of SHA-256(camera Ed25519 public key).
CameraFingerprint CameraKeyFingerprint(const crypto::VerifyKey& camera_key);

// The code the camera shows: "VGL1-" + 42 upper-case base32 characters, no
// spaces. It contains the secret.
std::string EncodePairingCode(const PairingSecret& secret, const crypto::VerifyKey& camera_key,
                              crypto::SecretAccess access);

// What the owner typed, decoded.
struct PairingCode {
  PairingSecret secret;
  CameraFingerprint camera_fingerprint;
};

// Parses a pairing code ("VGL1-" prefix and base32 case-insensitive, nothing
// else allowed). A wrong prefix or length, a character outside the base32
// alphabet or non-zero padding bits fail with kInvalidArgument "invalid
// pairing code". A substituted character inside the secret decodes to another
// secret: it is caught because no offer has that pairing id (or its MAC fails).
Result<PairingCode> DecodePairingCode(std::string_view code);

// pairing_id (32 bytes): public, it names the pairing on the server.
Bytes PairingId(const PairingSecret& secret);

// Step 2: the camera's offer.
struct CameraOffer {
  Bytes pairing_id;
  crypto::VerifyKey camera_key;
  PairingMac mac;  // mac_c
};
CameraOffer MakeCameraOffer(const PairingSecret& secret, const crypto::VerifyKey& camera_key);

// Step 3 (owner): checks the offer against the typed code: the pairing id,
// the camera key fingerprint and mac_c. Any mismatch fails with kDataLoss
// "verification failed".
Status VerifyCameraOffer(const PairingCode& code, const CameraOffer& offer);

// Step 3: the owner's claim. `owner_signature` is an Ed25519 signature by the
// owner's signing key under SignaturePurpose::kPairingClaim over
// lp(pairing_id) || lp(owner key) || lp(household key) || lp(u64 epoch) ||
// lp(camera key).
struct PairingClaim {
  crypto::VerifyKey owner_key;
  HouseholdPublicKey household_key;
  std::uint64_t household_epoch = 0;
  crypto::Signature owner_signature{};
  PairingMac mac{};  // mac_o
};
PairingClaim MakePairingClaim(const PairingSecret& secret, const crypto::SigningKey& owner,
                              const HouseholdPublicKey& household_key,
                              std::uint64_t household_epoch, const crypto::VerifyKey& camera_key);

// Step 4 (camera): checks mac_o and the owner's signature over the claim for
// this camera key. Any mismatch (swapped owner, household or camera key, other
// epoch, other secret, altered byte) fails with kDataLoss "verification
// failed". On success the camera pins claim.owner_key.
Status VerifyPairingClaim(const PairingSecret& secret, const crypto::VerifyKey& camera_key,
                          const PairingClaim& claim);

namespace internal {
// The HMAC inputs and the signed claim message (for vectors and tests).
Bytes CameraOfferMacInput(const crypto::VerifyKey& camera_key);
Bytes OwnerClaimMacInput(const crypto::VerifyKey& owner_key,
                         const HouseholdPublicKey& household_key, std::uint64_t household_epoch,
                         const crypto::VerifyKey& camera_key);
Bytes PairingClaimSignedMessage(ByteSpan pairing_id, const crypto::VerifyKey& owner_key,
                                const HouseholdPublicKey& household_key,
                                std::uint64_t household_epoch, const crypto::VerifyKey& camera_key);
crypto::SecretBytes PairingMacKey(const PairingSecret& secret);
}  // namespace internal

}  // namespace vigil::seal
