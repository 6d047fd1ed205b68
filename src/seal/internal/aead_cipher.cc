// SPDX-License-Identifier: Apache-2.0
#include "internal/aead_cipher.h"

#include <climits>
#include <utility>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "internal/decryption_failed.h"
#include "vigil/core/check.h"

namespace vigil::seal::internal {
namespace {

const EVP_CIPHER* CipherFor(AeadAlgorithm algorithm) {
  switch (algorithm) {
    case AeadAlgorithm::kAes128Gcm: return EVP_aes_128_gcm();
    case AeadAlgorithm::kAes256Gcm: return EVP_aes_256_gcm();
    case AeadAlgorithm::kChaCha20Poly1305: return EVP_chacha20_poly1305();
  }
  return nullptr;
}

Error OpenSslFailure(const char* what) {
  ERR_clear_error();
  return Error{ErrorCode::kInternal, what};
}

// Authentication failures leave OpenSSL errors queued; drop them so they do
// not surface later as an unrelated failure.
Error ClearedDecryptionFailed() {
  ERR_clear_error();
  return DecryptionFailed();
}

}  // namespace

struct AeadCipher::Ctx {
  EVP_CIPHER_CTX* evp;
};

std::size_t AeadKeyBytes(AeadAlgorithm algorithm) {
  return algorithm == AeadAlgorithm::kAes128Gcm ? 16 : 32;
}

Result<AeadCipher> AeadCipher::Create(AeadAlgorithm algorithm, const crypto::SecretBytes& key,
                                      Direction direction) {
  if (key.size() != AeadKeyBytes(algorithm)) {
    return Fail(ErrorCode::kInvalidArgument, "AEAD key has the wrong size");
  }
  EVP_CIPHER_CTX* evp = EVP_CIPHER_CTX_new();
  if (evp == nullptr) return Fail(OpenSslFailure("EVP_CIPHER_CTX_new"));
  AeadCipher cipher(new Ctx{evp}, direction);
  const auto k = key.Reveal(crypto::InsecureSecretAccess::Get());
  // Set the key once; every Seal/Open sets only the nonce.
  const int ok = direction == Direction::kSeal
                     ? EVP_EncryptInit_ex(evp, CipherFor(algorithm), nullptr, k.data(), nullptr)
                     : EVP_DecryptInit_ex(evp, CipherFor(algorithm), nullptr, k.data(), nullptr);
  if (ok != 1) return Fail(OpenSslFailure("AEAD key setup"));
  return cipher;
}

AeadCipher::~AeadCipher() {
  if (ctx_ != nullptr) {
    EVP_CIPHER_CTX_free(ctx_->evp);
    delete ctx_;
  }
}

AeadCipher::AeadCipher(AeadCipher&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)), direction_(other.direction_) {}

AeadCipher& AeadCipher::operator=(AeadCipher&& other) noexcept {
  if (this != &other) {
    if (ctx_ != nullptr) {
      EVP_CIPHER_CTX_free(ctx_->evp);
      delete ctx_;
    }
    ctx_ = std::exchange(other.ctx_, nullptr);
    direction_ = other.direction_;
  }
  return *this;
}

Status AeadCipher::Seal(ByteSpan nonce, ByteSpan aad, ByteSpan plaintext,
                        std::span<std::uint8_t> out) {
  VIGIL_CHECK(direction_ == Direction::kSeal) << "AeadCipher made for opening";
  VIGIL_CHECK(nonce.size() == kAeadNonceBytes) << "nonce size";
  VIGIL_CHECK(out.size() == plaintext.size() + kAeadTagBytes) << "output size";
  if (plaintext.size() > INT_MAX || aad.size() > INT_MAX) {
    return Fail(ErrorCode::kInvalidArgument, "AEAD input too large");
  }
  EVP_CIPHER_CTX* evp = ctx_->evp;
  int len = 0;
  if (EVP_EncryptInit_ex(evp, nullptr, nullptr, nullptr, nonce.data()) != 1) {
    return Fail(OpenSslFailure("AEAD nonce"));
  }
  if (!aad.empty() &&
      EVP_EncryptUpdate(evp, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return Fail(OpenSslFailure("AEAD aad"));
  }
  if (!plaintext.empty() && EVP_EncryptUpdate(evp, out.data(), &len, plaintext.data(),
                                              static_cast<int>(plaintext.size())) != 1) {
    return Fail(OpenSslFailure("AEAD encrypt"));
  }
  if (EVP_EncryptFinal_ex(evp, out.data() + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(evp, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kAeadTagBytes),
                          out.data() + plaintext.size()) != 1) {
    return Fail(OpenSslFailure("AEAD tag"));
  }
  return OkStatus();
}

Status AeadCipher::Open(ByteSpan nonce, ByteSpan aad, ByteSpan sealed,
                        std::span<std::uint8_t> out) {
  VIGIL_CHECK(direction_ == Direction::kOpen) << "AeadCipher made for sealing";
  VIGIL_CHECK(nonce.size() == kAeadNonceBytes) << "nonce size";
  if (sealed.size() < kAeadTagBytes || sealed.size() > INT_MAX || aad.size() > INT_MAX) {
    return Fail(ClearedDecryptionFailed());
  }
  const std::size_t body = sealed.size() - kAeadTagBytes;
  VIGIL_CHECK(out.size() == body) << "output size";
  EVP_CIPHER_CTX* evp = ctx_->evp;
  int len = 0;
  if (EVP_DecryptInit_ex(evp, nullptr, nullptr, nullptr, nonce.data()) != 1) {
    return Fail(OpenSslFailure("AEAD nonce"));
  }
  if (!aad.empty() &&
      EVP_DecryptUpdate(evp, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return Fail(ClearedDecryptionFailed());
  }
  if (body > 0 &&
      EVP_DecryptUpdate(evp, out.data(), &len, sealed.data(), static_cast<int>(body)) != 1) {
    return Fail(ClearedDecryptionFailed());
  }
  // OpenSSL takes a non-const pointer for the expected tag but only reads it.
  if (EVP_CIPHER_CTX_ctrl(evp, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kAeadTagBytes),
                          const_cast<std::uint8_t*>(sealed.data() + body)) != 1 ||
      EVP_DecryptFinal_ex(evp, out.data() + body, &len) != 1) {
    // Do not leave unauthenticated plaintext behind.
    crypto::Wipe(out);
    return Fail(ClearedDecryptionFailed());
  }
  return OkStatus();
}

}  // namespace vigil::seal::internal
