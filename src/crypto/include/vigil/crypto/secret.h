// SPDX-License-Identifier: Apache-2.0
#pragma once

// Secret key material and the access token that guards it.
//
// `SecretBytes` holds secrets in memory from sodium_malloc: locked (not
// swapped), surrounded by guard pages, zeroed when freed. It is move-only, has
// no operator<< and compares in constant time. Reading the bytes needs a
// `SecretAccess` token, which only `InsecureSecretAccess::Get()` mints, so every
// place that touches raw key bytes is found with one grep (the Tink idea).
// See docs/design/001-crypto-core.md §Secrets.

#include <cstddef>
#include <cstdint>
#include <span>

#include "vigil/core/bytes.h"

namespace vigil::crypto {

class InsecureSecretAccess;

// Proof that the caller was allowed to read raw secret bytes.
class SecretAccess {
 private:
  friend class InsecureSecretAccess;
  SecretAccess() = default;
};

// The only way to mint a SecretAccess. Call sites are reviewed by name.
class InsecureSecretAccess {
 public:
  static SecretAccess Get() { return SecretAccess(); }
};

// A fixed-size buffer of secret bytes in locked, zero-on-free memory.
// Thread-compatible.
class SecretBytes {
 public:
  SecretBytes() = default;
  // Copies `bytes` into locked memory. The caller should wipe its own copy.
  SecretBytes(ByteSpan bytes, SecretAccess access);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // `size` fresh random bytes from the operating system's CSPRNG.
  static SecretBytes Random(std::size_t size);
  // `size` zero bytes, to be filled through MutableBytes (for library outputs).
  static SecretBytes Zeroed(std::size_t size);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  std::span<const std::uint8_t> Reveal(SecretAccess access) const;
  std::span<std::uint8_t> MutableBytes(SecretAccess access);

  // An explicit deep copy (copies of secrets should be rare and visible).
  SecretBytes Clone() const;

  // Constant-time equality of contents (lengths are not secret).
  bool operator==(const SecretBytes& other) const;

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// Constant-time comparison of two byte strings of public length.
bool ConstantTimeEquals(ByteSpan a, ByteSpan b);

// Fills a new buffer with `size` bytes from the CSPRNG (for salts, nonces, ids;
// use SecretBytes::Random for keys).
Bytes RandomBytes(std::size_t size);

// Overwrites `bytes` with zeros in a way the compiler cannot elide.
void Wipe(std::span<std::uint8_t> bytes);

}  // namespace vigil::crypto
