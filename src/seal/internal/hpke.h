// SPDX-License-Identifier: Apache-2.0
#pragma once

// RFC 9180 HPKE, base mode (mode_base = 0x00), composed from library
// primitives: DHKEM(X25519, HKDF-SHA256) (KEM 0x0020), HKDF-SHA256 (KDF
// 0x0001), and AES-128-GCM (AEAD 0x0001) or ChaCha20-Poly1305 (AEAD 0x0003).
// X25519 comes from libsodium, HKDF and the AEADs from OpenSSL 3.0.
//
// Internal to seal: products use key_envelope.h, which fixes the suite and
// the `info` binding. This layer exists so the RFC vectors can be checked
// against exactly the code the envelopes run.

#include <cstddef>
#include <cstdint>

#include "internal/aead_cipher.h"
#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/secret.h"

namespace vigil::seal::internal {

inline constexpr std::uint16_t kHpkeKemX25519HkdfSha256 = 0x0020;
inline constexpr std::uint16_t kHpkeKdfHkdfSha256 = 0x0001;
inline constexpr std::size_t kX25519KeyBytes = 32;

enum class HpkeAead : std::uint16_t { kAes128Gcm = 0x0001, kChaCha20Poly1305 = 0x0003 };

// X25519 public key of a private key (scalar multiplication by the base point).
Result<Bytes> X25519PublicKey(const crypto::SecretBytes& private_key);

// DeriveKeyPair(ikm) of RFC 9180 §7.1.3 for X25519: returns the private key.
Result<crypto::SecretBytes> HpkeDeriveKeyPair(ByteSpan ikm);

// An HPKE encryption context (RFC 9180 §5.2), for one role. Thread-compatible.
class HpkeContext {
 public:
  // Encrypts the next message (sender only); returns ciphertext || tag.
  Result<Bytes> Seal(ByteSpan aad, ByteSpan plaintext);
  // Decrypts the next message (receiver only).
  Result<Bytes> Open(ByteSpan aad, ByteSpan ciphertext);
  // Secret export (RFC 9180 §5.3).
  Result<crypto::SecretBytes> Export(ByteSpan exporter_context, std::size_t length) const;

 private:
  friend struct HpkeSetup;
  HpkeContext(AeadCipher cipher, Bytes base_nonce, crypto::SecretBytes exporter_secret,
              HpkeAead aead)
      : cipher_(std::move(cipher)),
        base_nonce_(std::move(base_nonce)),
        exporter_secret_(std::move(exporter_secret)),
        aead_(aead) {}
  Bytes NextNonce();

  AeadCipher cipher_;
  Bytes base_nonce_;
  crypto::SecretBytes exporter_secret_;
  HpkeAead aead_;
  std::uint64_t sequence_ = 0;
};

struct HpkeSenderContext {
  Bytes enc;  // the encapsulated key to send with the ciphertext
  HpkeContext context;
};

// SetupBaseS (RFC 9180 §5.1.1) with a fresh ephemeral key.
Result<HpkeSenderContext> HpkeSetupBaseSender(HpkeAead aead, ByteSpan recipient_public_key,
                                              ByteSpan info);
// The same with a given ephemeral private key: only for known-answer tests.
Result<HpkeSenderContext> HpkeSetupBaseSenderWithEphemeral(HpkeAead aead,
                                                           ByteSpan recipient_public_key,
                                                           ByteSpan info,
                                                           const crypto::SecretBytes& ephemeral);
// SetupBaseR (RFC 9180 §5.1.1). A malformed or low-order `enc` fails with
// kDataLoss "decryption failed".
Result<HpkeContext> HpkeSetupBaseReceiver(HpkeAead aead, ByteSpan enc,
                                          const crypto::SecretBytes& recipient_private_key,
                                          ByteSpan info);

}  // namespace vigil::seal::internal
