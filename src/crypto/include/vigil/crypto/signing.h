// SPDX-License-Identifier: Apache-2.0
#pragma once

// Ed25519 signatures (RFC 8032, libsodium). Every signature is bound to a
// SignaturePurpose: the signed bytes are Label(purpose) || 0x00 || message, so
// a manifest signature can never be replayed as a heartbeat (or anything else).

#include <array>
#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/key_purpose.h"
#include "vigil/crypto/secret.h"

namespace vigil::crypto {

inline constexpr std::size_t kVerifyKeyBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::size_t kSigningSeedBytes = 32;

using Signature = std::array<std::uint8_t, kSignatureBytes>;

// An Ed25519 public key. Copyable value type.
class VerifyKey {
 public:
  // Fails with kInvalidArgument unless `bytes` is 32 bytes.
  static Result<VerifyKey> FromBytes(ByteSpan bytes);

  ByteSpan bytes() const { return key_; }

  // Fails with kDataLoss "verification failed" for any bad signature.
  Status Verify(SignaturePurpose purpose, ByteSpan message, ByteSpan signature) const;

  bool operator==(const VerifyKey& other) const = default;

 private:
  VerifyKey() = default;
  std::array<std::uint8_t, kVerifyKeyBytes> key_{};
};

// An Ed25519 private key. Move-only; the secret stays in locked memory.
class SigningKey {
 public:
  static SigningKey Generate();
  // Fails with kInvalidArgument unless `seed` is 32 bytes.
  static Result<SigningKey> FromSeed(SecretBytes seed);

  const VerifyKey& verify_key() const { return verify_key_; }
  Signature Sign(SignaturePurpose purpose, ByteSpan message) const;
  // The 32-byte seed, for sealed storage only.
  const SecretBytes& seed() const { return seed_; }

 private:
  SigningKey(SecretBytes seed, SecretBytes expanded, VerifyKey verify_key);
  SecretBytes seed_;
  SecretBytes expanded_;  // libsodium's 64-byte secret key (seed || public key)
  VerifyKey verify_key_;
};

}  // namespace vigil::crypto
