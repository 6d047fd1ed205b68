// SPDX-License-Identifier: Apache-2.0
#include "vigil/crypto/hash.h"

#include <array>
#include <memory>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "internal/openssl_error.h"
#include "vigil/core/check.h"

namespace vigil::crypto {
namespace {

// Fetching an algorithm is a provider lookup; do it once per process.
EVP_KDF* HkdfAlgorithm() {
  static EVP_KDF* const kHkdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  VIGIL_CHECK(kHkdf != nullptr) << "OpenSSL has no HKDF";
  return kHkdf;
}

const EVP_MD* Sha256Md() {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  VIGIL_CHECK(kSha256 != nullptr) << "OpenSSL has no SHA-256";
  return kSha256;
}

struct KdfCtxDeleter {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

// OpenSSL rejects a null pointer even for an empty octet string.
std::uint8_t* ParamBytes(ByteSpan bytes) {
  static std::uint8_t empty = 0;
  return bytes.empty() ? &empty : const_cast<std::uint8_t*>(bytes.data());
}

// Runs OpenSSL's HKDF in `mode` (extract-only or expand-only) into `out`.
Status RunHkdf(int mode, ByteSpan key, ByteSpan salt_or_info, std::span<std::uint8_t> out) {
  std::unique_ptr<EVP_KDF_CTX, KdfCtxDeleter> ctx(EVP_KDF_CTX_new(HkdfAlgorithm()));
  if (!ctx) return Fail(internal::FromOpenSsl("HKDF context"));
  // OpenSSL takes non-const pointers in OSSL_PARAM but does not write to them.
  static char kDigest[] = "SHA256";
  std::array<OSSL_PARAM, 5> params{};
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, kDigest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ParamBytes(key), key.size());
  if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, ParamBytes(salt_or_info),
                                                    salt_or_info.size());
  } else {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ParamBytes(salt_or_info),
                                                    salt_or_info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params.data()) != 1) {
    return Fail(internal::FromOpenSsl("HKDF"));
  }
  return OkStatus();
}

}  // namespace

Sha256Digest Sha256(ByteSpan data) {
  Sha256Digest out{};
  unsigned int len = 0;
  VIGIL_CHECK(EVP_Digest(data.data(), data.size(), out.data(), &len, Sha256Md(), nullptr) == 1)
      << "SHA-256 failed";
  return out;
}

struct Sha256Hasher::State {
  EVP_MD_CTX* ctx;
};

Sha256Hasher::Sha256Hasher() : state_(new State{EVP_MD_CTX_new()}) {
  VIGIL_CHECK(state_->ctx != nullptr && EVP_DigestInit_ex(state_->ctx, Sha256Md(), nullptr) == 1)
      << "SHA-256 init failed";
}

Sha256Hasher::~Sha256Hasher() {
  EVP_MD_CTX_free(state_->ctx);
  delete state_;
}

void Sha256Hasher::Update(ByteSpan data) {
  VIGIL_CHECK(EVP_DigestUpdate(state_->ctx, data.data(), data.size()) == 1) << "SHA-256 update";
}

Sha256Digest Sha256Hasher::Finish() {
  Sha256Digest out{};
  unsigned int len = 0;
  VIGIL_CHECK(EVP_DigestFinal_ex(state_->ctx, out.data(), &len) == 1) << "SHA-256 final";
  return out;
}

Sha256Digest HmacSha256(const SecretBytes& key, ByteSpan data) {
  Sha256Digest out{};
  unsigned int len = 0;
  const auto k = key.Reveal(InsecureSecretAccess::Get());
  // HMAC() with an empty key still needs a valid pointer.
  static const std::uint8_t kEmpty = 0;
  VIGIL_CHECK(HMAC(Sha256Md(), k.empty() ? &kEmpty : k.data(), static_cast<int>(k.size()),
                   data.data(), data.size(), out.data(), &len) != nullptr)
      << "HMAC-SHA-256 failed";
  return out;
}

SecretBytes HkdfExtract(ByteSpan salt, ByteSpan ikm) {
  SecretBytes prk = SecretBytes::Zeroed(kSha256Bytes);
  auto status = RunHkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt,
                        prk.MutableBytes(InsecureSecretAccess::Get()));
  VIGIL_CHECK(status.has_value()) << status.error().ToString();
  return prk;
}

Result<SecretBytes> HkdfExpand(const SecretBytes& prk, ByteSpan info, std::size_t length) {
  if (length == 0 || length > 255 * kSha256Bytes) {
    return Fail(ErrorCode::kInvalidArgument, "HKDF output length out of range");
  }
  SecretBytes okm = SecretBytes::Zeroed(length);
  auto status = RunHkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk.Reveal(InsecureSecretAccess::Get()),
                        info, okm.MutableBytes(InsecureSecretAccess::Get()));
  if (!status) return Fail(status.error());
  return okm;
}

Result<SecretBytes> DeriveKey(const SecretBytes& ikm, ByteSpan salt, KeyPurpose purpose,
                              ByteSpan context, std::size_t length) {
  const std::string_view label = Label(purpose);
  Bytes info;
  info.reserve(label.size() + 1 + context.size());
  Append(info, AsBytes(label));
  info.push_back(0x00);
  Append(info, context);
  const SecretBytes prk = HkdfExtract(salt, ikm.Reveal(InsecureSecretAccess::Get()));
  return HkdfExpand(prk, info, length);
}

}  // namespace vigil::crypto
