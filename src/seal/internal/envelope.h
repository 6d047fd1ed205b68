// SPDX-License-Identifier: Apache-2.0
#pragma once

// The VGEV envelope shared by every purpose (docs/formats/hpke-envelope.md):
// a 44-byte prefix (magic, version, purpose, HPKE suite, recipient key id)
// that is also the HPKE aad, then enc and the sealed 32-byte secret.
// Internal to seal; key_envelope.cc and household_envelope.cc fix the
// purpose byte and the info layout.

#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"

namespace vigil::seal::internal {

inline constexpr std::uint8_t kEnvelopePurposeClipKey = 0x01;
inline constexpr std::uint8_t kEnvelopePurposeHouseholdKey = 0x02;
inline constexpr std::size_t kEnvelopeBytes = 124;
inline constexpr std::size_t kEnvelopeSecretBytes = 32;

// u16be(len(field)) || field. Precondition: field.size() < 2^16.
void AppendLengthPrefixed(Bytes& out, ByteSpan field);

// Seals the 32-byte `secret` to `recipient_public_key` (whose SHA-256 is the
// key id) under `info`; a fresh ephemeral key unless `ephemeral` is given
// (known-answer vectors only).
Result<Bytes> SealEnvelope(std::uint8_t purpose, ByteSpan recipient_public_key, ByteSpan info,
                           ByteSpan secret, const crypto::SecretBytes* ephemeral);

// Opens an envelope of `purpose` addressed to the key pair
// (`recipient_private_key`, `recipient_public_key`). Every failure is
// kDataLoss "decryption failed".
Result<crypto::SecretBytes> OpenEnvelope(std::uint8_t purpose, ByteSpan envelope,
                                         const crypto::SecretBytes& recipient_private_key,
                                         ByteSpan recipient_public_key, ByteSpan info);

// The key id bytes 12..43 of an envelope of `purpose`, or kInvalidArgument.
Result<crypto::Sha256Digest> EnvelopeKeyId(std::uint8_t purpose, ByteSpan envelope);

}  // namespace vigil::seal::internal
