// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/secret.h"

#include <cstring>
#include <new>
#include <utility>

#include <openssl/crypto.h>
#include <sodium.h>

#include "internal/sodium.h"
#include "vigil/core/check.h"

namespace vigil::crypto {
namespace {

std::uint8_t* Allocate(std::size_t size) {
  if (size == 0) return nullptr;
  internal::EnsureSodium();
  void* p = sodium_malloc(size);
  VIGIL_CHECK(p != nullptr) << "sodium_malloc failed for " << size << " bytes";
  return static_cast<std::uint8_t*>(p);
}

}  // namespace

SecretBytes::SecretBytes(ByteSpan bytes, SecretAccess /*access*/)
    : data_(Allocate(bytes.size())), size_(bytes.size()) {
  if (size_ > 0) std::memcpy(data_, bytes.data(), size_);
}

SecretBytes::~SecretBytes() {
  // sodium_free zeroes the buffer before unmapping it.
  if (data_ != nullptr) sodium_free(data_);
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes SecretBytes::Random(std::size_t size) {
  SecretBytes out = Zeroed(size);
  if (size > 0) randombytes_buf(out.data_, size);
  return out;
}

SecretBytes SecretBytes::Zeroed(std::size_t size) {
  SecretBytes out;
  out.data_ = Allocate(size);
  out.size_ = size;
  if (size > 0) sodium_memzero(out.data_, size);
  return out;
}

std::span<const std::uint8_t> SecretBytes::Reveal(SecretAccess /*access*/) const {
  return {data_, size_};
}

std::span<std::uint8_t> SecretBytes::MutableBytes(SecretAccess /*access*/) {
  return {data_, size_};
}

SecretBytes SecretBytes::Clone() const {
  return SecretBytes(ByteSpan(data_, size_), InsecureSecretAccess::Get());
}

bool SecretBytes::operator==(const SecretBytes& other) const {
  return ConstantTimeEquals(ByteSpan(data_, size_), ByteSpan(other.data_, other.size_));
}

bool ConstantTimeEquals(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Bytes RandomBytes(std::size_t size) {
  internal::EnsureSodium();
  Bytes out(size);
  if (size > 0) randombytes_buf(out.data(), size);
  return out;
}

void Wipe(std::span<std::uint8_t> bytes) {
  if (!bytes.empty()) sodium_memzero(bytes.data(), bytes.size());
}

}  // namespace vigil::crypto
