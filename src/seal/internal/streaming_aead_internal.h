// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal hooks of the streaming AEAD, for known-answer vectors only: the
// product always draws the salt and nonce prefix from the CSPRNG.

#include <memory>

#include "vigil/crypto/key_purpose.h"
#include "vigil/seal/streaming_aead.h"

namespace vigil::seal::internal {

inline constexpr std::size_t kStreamSaltBytes = 32;
inline constexpr std::size_t kStreamNoncePrefixBytes = 7;

// The HKDF purpose (and so the label) of each clip part.
crypto::KeyPurpose KeyPurposeForPart(ClipPart part);

// StreamEncryptor::Create with a given salt (32 bytes) and nonce prefix
// (7 bytes). Reusing them with the same key breaks confidentiality.
Result<std::unique_ptr<StreamEncryptor>> CreateStreamEncryptorForVectors(
    const ClipKey& key, ClipPart part, ByteSpan associated_data, StreamSink sink,
    std::uint32_t segment_bytes, ByteSpan salt, ByteSpan nonce_prefix);

}  // namespace vigil::seal::internal
