// SPDX-License-Identifier: Apache-2.0
#pragma once

// Camera names sealed to the household key (brief §4: the server never sees a
// camera's name). The owner's client seals the name with RFC 9180 HPKE (the
// suite of key_envelope.h) to the household X25519 public key, bound through
// HPKE `info` to the household id, the camera id and the recipient key. The
// plaintext is padded to a fixed size, so the sealed name does not reveal the
// name's length. The result is 96 bytes: 128 characters of base64url, the
// size of the server's name column. Byte layout:
// docs/formats/hpke-envelope.md §Purpose 3.

#include <cstddef>
#include <string>
#include <string_view>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

inline constexpr std::size_t kMaxCameraNameBytes = 45;
inline constexpr std::size_t kSealedCameraNameBytes = 96;

// What a sealed name is bound to. Opening with any different field fails.
struct CameraNameBinding {
  std::string household_id;  // 1..255 bytes
  std::string camera_id;     // 1..255 bytes
};

// Checks a name: 1..45 bytes of UTF-8 text without control characters.
// kInvalidArgument with a message saying which rule it broke.
Status CheckCameraName(std::string_view name);

// Seals `name` to the household key. Fails with kInvalidArgument on a name
// CheckCameraName refuses or an id outside 1..255 bytes.
Result<Bytes> SealCameraName(std::string_view name, const HouseholdPublicKey& household,
                             const CameraNameBinding& binding);

// Opens a sealed name. Any mismatch (other household key, other binding,
// altered byte, wrong length) fails with kDataLoss "decryption failed".
Result<std::string> OpenCameraName(ByteSpan sealed, const HouseholdPrivateKey& household,
                                   const CameraNameBinding& binding);

namespace internal {
// The HPKE info of a sealed name (for vectors and tests).
Result<Bytes> CameraNameInfo(const CameraNameBinding& binding,
                             const crypto::Sha256Digest& household_key_id);
// SealCameraName with a given ephemeral key: known-answer vectors only.
Result<Bytes> SealCameraNameForVectors(std::string_view name, const HouseholdPublicKey& household,
                                       const CameraNameBinding& binding,
                                       const crypto::SecretBytes* ephemeral);
}  // namespace internal

}  // namespace vigil::seal
