// SPDX-License-Identifier: Apache-2.0
#pragma once

// Encryption of the server's own small secrets at rest (today: TOTP seeds),
// format `VGAR` v1 (docs/formats/at-rest.md): AES-256-GCM with a random
// 96-bit nonce under a key the caller derives with DeriveKey for one purpose,
// and associated data that binds the record (e.g. the account id), so a
// sealed value copied to another row fails to open. Not for clips: those are
// sealed on the camera with the streaming AEAD of the seal module.

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/secret.h"

namespace vigil::crypto {

inline constexpr std::size_t kAtRestKeyBytes = 32;
inline constexpr std::size_t kAtRestOverheadBytes = 4 + 1 + 12 + 16;

// Fails with kInvalidArgument unless `key` is 32 bytes.
Result<Bytes> SealAtRest(const SecretBytes& key, ByteSpan plaintext, ByteSpan associated_data);

// Any mismatch (key, associated data, a flipped bit, truncation) fails with
// kDataLoss "decryption failed".
Result<SecretBytes> OpenAtRest(const SecretBytes& key, ByteSpan sealed, ByteSpan associated_data);

namespace internal {
// SealAtRest with a given nonce: only for known-answer vectors.
Result<Bytes> SealAtRestWithNonce(const SecretBytes& key, ByteSpan plaintext,
                                  ByteSpan associated_data, ByteSpan nonce);
}  // namespace internal

}  // namespace vigil::crypto
