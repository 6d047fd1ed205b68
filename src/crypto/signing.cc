// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/signing.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <sodium.h>

#include "internal/sodium.h"
#include "vigil/core/check.h"

namespace vigil::crypto {
namespace {

// The bytes actually signed: Label(purpose) || 0x00 || message.
Bytes SignedBytes(SignaturePurpose purpose, ByteSpan message) {
  const std::string_view label = Label(purpose);
  Bytes out;
  out.reserve(label.size() + 1 + message.size());
  Append(out, AsBytes(label));
  out.push_back(0x00);
  Append(out, message);
  return out;
}

}  // namespace

Result<VerifyKey> VerifyKey::FromBytes(ByteSpan bytes) {
  if (bytes.size() != kVerifyKeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "an Ed25519 public key is 32 bytes");
  }
  VerifyKey key;
  std::copy(bytes.begin(), bytes.end(), key.key_.begin());
  return key;
}

Status VerifyKey::Verify(SignaturePurpose purpose, ByteSpan message, ByteSpan signature) const {
  internal::EnsureSodium();
  const Bytes signed_bytes = SignedBytes(purpose, message);
  if (signature.size() != kSignatureBytes ||
      crypto_sign_ed25519_verify_detached(signature.data(), signed_bytes.data(),
                                          signed_bytes.size(), key_.data()) != 0) {
    return Fail(ErrorCode::kDataLoss, "verification failed");
  }
  return OkStatus();
}

SigningKey::SigningKey(SecretBytes seed, SecretBytes expanded, VerifyKey verify_key)
    : seed_(std::move(seed)), expanded_(std::move(expanded)), verify_key_(verify_key) {}

SigningKey SigningKey::Generate() {
  auto key = FromSeed(SecretBytes::Random(kSigningSeedBytes));
  VIGIL_CHECK(key.has_value()) << "Ed25519 key generation failed";
  return std::move(*key);
}

Result<SigningKey> SigningKey::FromSeed(SecretBytes seed) {
  if (seed.size() != kSigningSeedBytes) {
    return Fail(ErrorCode::kInvalidArgument, "an Ed25519 seed is 32 bytes");
  }
  internal::EnsureSodium();
  SecretBytes expanded = SecretBytes::Zeroed(crypto_sign_ed25519_SECRETKEYBYTES);
  std::array<std::uint8_t, kVerifyKeyBytes> public_key{};
  const auto access = InsecureSecretAccess::Get();
  if (crypto_sign_ed25519_seed_keypair(public_key.data(), expanded.MutableBytes(access).data(),
                                       seed.Reveal(access).data()) != 0) {
    return Fail(ErrorCode::kInternal, "Ed25519 key derivation failed");
  }
  VIGIL_TRY(verify_key, VerifyKey::FromBytes(public_key));
  return SigningKey(std::move(seed), std::move(expanded), verify_key);
}

Signature SigningKey::Sign(SignaturePurpose purpose, ByteSpan message) const {
  const Bytes signed_bytes = SignedBytes(purpose, message);
  Signature signature{};
  VIGIL_CHECK(crypto_sign_ed25519_detached(
                  signature.data(), nullptr, signed_bytes.data(), signed_bytes.size(),
                  expanded_.Reveal(InsecureSecretAccess::Get()).data()) == 0)
      << "Ed25519 signing failed";
  return signature;
}

}  // namespace vigil::crypto
