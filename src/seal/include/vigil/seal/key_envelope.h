// SPDX-License-Identifier: Apache-2.0
#pragma once

// Key envelopes: a clip key sealed with RFC 9180 HPKE (base mode,
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM) to a household key,
// and bound through HPKE `info` to the clip, the camera, the household epoch
// and the recipient key. Envelopes are stored apart from the clip blob, so
// granting or revoking access never rewrites video. HPKE base mode does not
// authenticate the sender: the camera's signed manifest covers the envelope
// hashes. Byte layout: docs/formats/hpke-envelope.md.

#include <cstddef>
#include <cstdint>
#include <string>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

inline constexpr std::size_t kClipKeyEnvelopeBytes = 124;
inline constexpr std::size_t kMaxBindingIdBytes = 255;

// What an envelope is bound to. Opening with any different field fails.
struct ClipBinding {
  std::string clip_id;    // 1..255 bytes
  std::string camera_id;  // 1..255 bytes
  std::uint64_t household_epoch = 0;
};

// Seals `key` to `recipient`. Fails with kInvalidArgument on an empty or
// over-long id.
Result<Bytes> SealClipKey(const ClipKey& key, const HouseholdPublicKey& recipient,
                          const ClipBinding& binding);

// Opens an envelope made by SealClipKey. Any mismatch (wrong key, other
// binding, altered byte) fails with kDataLoss "decryption failed".
Result<ClipKey> OpenClipKey(ByteSpan envelope, const HouseholdPrivateKey& recipient,
                            const ClipBinding& binding);

// The recipient key id (SHA-256 of the recipient public key) an envelope
// names, to pick the right private key. Fails with kInvalidArgument if the
// bytes are not a clip-key envelope.
Result<crypto::Sha256Digest> EnvelopeRecipientKeyId(ByteSpan envelope);

}  // namespace vigil::seal
