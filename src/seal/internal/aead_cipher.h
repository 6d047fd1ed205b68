// SPDX-License-Identifier: Apache-2.0
#pragma once

// One keyed AEAD (AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305) over OpenSSL
// EVP, for one direction. The key schedule is computed once; each call only
// sets a new nonce, so per-segment cost is the cipher itself. Internal to seal.

#include <cstddef>
#include <cstdint>
#include <span>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/secret.h"

namespace vigil::seal::internal {

enum class AeadAlgorithm : std::uint8_t { kAes128Gcm, kAes256Gcm, kChaCha20Poly1305 };

inline constexpr std::size_t kAeadNonceBytes = 12;
inline constexpr std::size_t kAeadTagBytes = 16;

std::size_t AeadKeyBytes(AeadAlgorithm algorithm);

// Thread-compatible; move-only.
class AeadCipher {
 public:
  enum class Direction : std::uint8_t { kSeal, kOpen };

  // Fails with kInvalidArgument if the key size does not fit `algorithm`.
  static Result<AeadCipher> Create(AeadAlgorithm algorithm, const crypto::SecretBytes& key,
                                   Direction direction);
  ~AeadCipher();
  AeadCipher(AeadCipher&& other) noexcept;
  AeadCipher& operator=(AeadCipher&& other) noexcept;
  AeadCipher(const AeadCipher&) = delete;
  AeadCipher& operator=(const AeadCipher&) = delete;

  // Writes ciphertext || tag into `out` (exactly plaintext.size() + 16 bytes).
  Status Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext, std::span<std::uint8_t> out);
  // Reads ciphertext || tag, writes plaintext into `out` (exactly
  // sealed.size() - 16 bytes). Any authentication failure is kDataLoss
  // "decryption failed".
  Status Open(ByteSpan nonce, ByteSpan aad, ByteSpan sealed, std::span<std::uint8_t> out);

 private:
  struct Ctx;
  AeadCipher(Ctx* ctx, Direction direction) : ctx_(ctx), direction_(direction) {}
  Ctx* ctx_;
  Direction direction_;
};

}  // namespace vigil::seal::internal
