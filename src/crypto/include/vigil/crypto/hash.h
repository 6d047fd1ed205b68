// SPDX-License-Identifier: Apache-2.0
#pragma once

// SHA-256, HMAC-SHA-256 and HKDF-SHA-256 (RFC 5869), from OpenSSL 3.0.
// Application code derives keys only with DeriveKey, which takes a KeyPurpose;
// the raw HkdfExtract/HkdfExpand exist for implementations of published
// protocols that define their own labels (RFC 9180 HPKE, RFC 9605 SFrame).

#include <array>
#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/key_purpose.h"
#include "vigil/crypto/secret.h"

namespace vigil::crypto {

inline constexpr std::size_t kSha256Bytes = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Bytes>;

Sha256Digest Sha256(ByteSpan data);

// Incremental SHA-256 for streams. Thread-compatible.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(ByteSpan data);
  // Returns the digest; the hasher must not be used afterwards.
  Sha256Digest Finish();

 private:
  struct State;
  State* state_;
};

Sha256Digest HmacSha256(const SecretBytes& key, ByteSpan data);

// HKDF-Extract (RFC 5869 §2.2). An empty `salt` means HashLen zero bytes.
SecretBytes HkdfExtract(ByteSpan salt, ByteSpan ikm);
// HKDF-Expand (RFC 5869 §2.3). Fails with kInvalidArgument if `length` is 0 or
// exceeds 255 * 32.
Result<SecretBytes> HkdfExpand(const SecretBytes& prk, ByteSpan info, std::size_t length);

// Derives a `length`-byte key for `purpose`:
//   HKDF-SHA256(IKM = ikm, salt = salt, info = Label(purpose) || 0x00 || context).
// The label makes keys for different purposes independent even from one `ikm`.
Result<SecretBytes> DeriveKey(const SecretBytes& ikm, ByteSpan salt, KeyPurpose purpose,
                              ByteSpan context, std::size_t length);

}  // namespace vigil::crypto
