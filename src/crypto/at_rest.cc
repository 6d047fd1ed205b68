// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/at_rest.h"

#include <algorithm>
#include <array>
#include <climits>
#include <memory>

#include <openssl/err.h>
#include <openssl/evp.h>

namespace vigil::crypto {
namespace {

// "VGAR": Vigil at rest.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x41, 0x52};
constexpr std::uint8_t kVersion = 0x01;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kHeaderBytes = kMagic.size() + 1;

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

Error DecryptionFailed() {
  ERR_clear_error();
  return Error{ErrorCode::kDataLoss, "decryption failed"};
}

// aad of the AEAD = magic || version || caller's associated data.
Bytes FullAad(ByteSpan associated_data) {
  Bytes aad(kMagic.begin(), kMagic.end());
  aad.push_back(kVersion);
  Append(aad, associated_data);
  return aad;
}

}  // namespace

namespace internal {

Result<Bytes> SealAtRestWithNonce(const SecretBytes& key, ByteSpan plaintext,
                                  ByteSpan associated_data, ByteSpan nonce) {
  if (key.size() != kAtRestKeyBytes)
    return Fail(ErrorCode::kInvalidArgument, "key must be 32 bytes");
  if (nonce.size() != kNonceBytes || plaintext.size() > INT_MAX / 2) {
    return Fail(ErrorCode::kInvalidArgument, "bad nonce or plaintext size");
  }
  const Bytes aad = FullAad(associated_data);
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kVersion);
  Append(out, nonce);
  const std::size_t body = out.size();
  out.resize(body + plaintext.size() + kTagBytes);
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         key.Reveal(InsecureSecretAccess::Get()).data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), out.data() + body, &len, plaintext.data(),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + body + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagBytes,
                          out.data() + body + plaintext.size()) != 1) {
    ERR_clear_error();
    return Fail(ErrorCode::kInternal, "AES-256-GCM encryption failed");
  }
  return out;
}

}  // namespace internal

Result<Bytes> SealAtRest(const SecretBytes& key, ByteSpan plaintext, ByteSpan associated_data) {
  return internal::SealAtRestWithNonce(key, plaintext, associated_data, RandomBytes(kNonceBytes));
}

Result<SecretBytes> OpenAtRest(const SecretBytes& key, ByteSpan sealed, ByteSpan associated_data) {
  if (key.size() != kAtRestKeyBytes)
    return Fail(ErrorCode::kInvalidArgument, "key must be 32 bytes");
  if (sealed.size() < kAtRestOverheadBytes || sealed.size() > INT_MAX / 2 ||
      !std::equal(kMagic.begin(), kMagic.end(), sealed.begin()) || sealed[4] != kVersion) {
    return Fail(DecryptionFailed());
  }
  const Bytes aad = FullAad(associated_data);
  const ByteSpan nonce = sealed.subspan(kHeaderBytes, kNonceBytes);
  const ByteSpan body =
      sealed.subspan(kHeaderBytes + kNonceBytes, sealed.size() - kAtRestOverheadBytes);
  const ByteSpan tag = sealed.last(kTagBytes);
  SecretBytes out = SecretBytes::Zeroed(body.size());
  auto plain = out.MutableBytes(InsecureSecretAccess::Get());
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::array<std::uint8_t, kTagBytes> expected{};
  std::copy(tag.begin(), tag.end(), expected.begin());
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         key.Reveal(InsecureSecretAccess::Get()).data(), nonce.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      (!body.empty() && EVP_DecryptUpdate(ctx.get(), plain.data(), &len, body.data(),
                                          static_cast<int>(body.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagBytes, expected.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), plain.data() + body.size(), &len) != 1) {
    return Fail(DecryptionFailed());  // `out` is zeroed when it is freed
  }
  return out;
}

}  // namespace vigil::crypto
