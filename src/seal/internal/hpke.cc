// SPDX-License-Identifier: Apache-2.0
#include "internal/hpke.h"

#include <string_view>
#include <utility>

#include <sodium.h>

#include "vigil/crypto/hash.h"

namespace vigil::seal::internal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

constexpr std::string_view kVersionLabel = "HPKE-v1";
constexpr std::uint8_t kModeBase = 0x00;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kHashBytes = 32;

Bytes KemSuiteId() {
  Bytes id(AsBytes("KEM").begin(), AsBytes("KEM").end());
  AppendU16(id, kHpkeKemX25519HkdfSha256);
  return id;
}

Bytes HpkeSuiteId(HpkeAead aead) {
  Bytes id(AsBytes("HPKE").begin(), AsBytes("HPKE").end());
  AppendU16(id, kHpkeKemX25519HkdfSha256);
  AppendU16(id, kHpkeKdfHkdfSha256);
  AppendU16(id, static_cast<std::uint16_t>(aead));
  return id;
}

AeadAlgorithm AlgorithmFor(HpkeAead aead) {
  return aead == HpkeAead::kAes128Gcm ? AeadAlgorithm::kAes128Gcm
                                      : AeadAlgorithm::kChaCha20Poly1305;
}

// LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm)
SecretBytes LabeledExtract(const Bytes& suite_id, ByteSpan salt, std::string_view label,
                           ByteSpan ikm) {
  SecretBytes labeled =
      SecretBytes::Zeroed(kVersionLabel.size() + suite_id.size() + label.size() + ikm.size());
  auto out = labeled.MutableBytes(InsecureSecretAccess::Get());
  auto it = std::copy(kVersionLabel.begin(), kVersionLabel.end(), out.begin());
  it = std::copy(suite_id.begin(), suite_id.end(), it);
  it = std::copy(label.begin(), label.end(), it);
  std::copy(ikm.begin(), ikm.end(), it);
  return crypto::HkdfExtract(salt, labeled.Reveal(InsecureSecretAccess::Get()));
}

// LabeledExpand(prk, label, info, L) =
//   Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L)
Result<SecretBytes> LabeledExpand(const Bytes& suite_id, const SecretBytes& prk,
                                  std::string_view label, ByteSpan info, std::size_t length) {
  if (length > 0xffff) return Fail(ErrorCode::kInvalidArgument, "HPKE expand length too large");
  Bytes labeled;
  AppendU16(labeled, static_cast<std::uint16_t>(length));
  Append(labeled, AsBytes(kVersionLabel));
  Append(labeled, suite_id);
  Append(labeled, AsBytes(label));
  Append(labeled, info);
  return crypto::HkdfExpand(prk, labeled, length);
}

Result<Bytes> X25519(const SecretBytes& private_key, ByteSpan public_key) {
  if (private_key.size() != kX25519KeyBytes || public_key.size() != kX25519KeyBytes) {
    return Fail(ErrorCode::kDataLoss, "decryption failed");
  }
  Bytes shared(kX25519KeyBytes);
  // libsodium returns -1 for an all-zero result (a low-order point), which is
  // the check RFC 9180 §7.1.4 requires.
  if (crypto_scalarmult_curve25519(shared.data(),
                                   private_key.Reveal(InsecureSecretAccess::Get()).data(),
                                   public_key.data()) != 0) {
    return Fail(ErrorCode::kDataLoss, "decryption failed");
  }
  return shared;
}

// ExtractAndExpand(dh, kem_context) of DHKEM.
Result<SecretBytes> KemSharedSecret(ByteSpan dh, ByteSpan kem_context) {
  const Bytes suite = KemSuiteId();
  SecretBytes eae_prk = LabeledExtract(suite, {}, "eae_prk", dh);
  return LabeledExpand(suite, eae_prk, "shared_secret", kem_context, kHashBytes);
}

}  // namespace

// KeySchedule(mode_base, shared_secret, info, psk = "", psk_id = "") of RFC 9180 §5.1.
struct HpkeSetup {
  static Result<HpkeContext> Schedule(HpkeAead aead, AeadCipher::Direction direction,
                                      const SecretBytes& shared_secret, ByteSpan info) {
    const Bytes suite = HpkeSuiteId(aead);
    const SecretBytes psk_id_hash = LabeledExtract(suite, {}, "psk_id_hash", {});
    const SecretBytes info_hash = LabeledExtract(suite, {}, "info_hash", info);
    Bytes context{kModeBase};
    Append(context, psk_id_hash.Reveal(InsecureSecretAccess::Get()));
    Append(context, info_hash.Reveal(InsecureSecretAccess::Get()));
    const SecretBytes secret =
        LabeledExtract(suite, shared_secret.Reveal(InsecureSecretAccess::Get()), "secret", {});
    VIGIL_TRY(key, LabeledExpand(suite, secret, "key", context, AeadKeyBytes(AlgorithmFor(aead))));
    VIGIL_TRY(base_nonce, LabeledExpand(suite, secret, "base_nonce", context, kNonceBytes));
    VIGIL_TRY(exporter_secret, LabeledExpand(suite, secret, "exp", context, kHashBytes));
    VIGIL_TRY(cipher, AeadCipher::Create(AlgorithmFor(aead), key, direction));
    const auto nonce = base_nonce.Reveal(InsecureSecretAccess::Get());
    return HpkeContext(std::move(cipher), Bytes(nonce.begin(), nonce.end()),
                       std::move(exporter_secret), aead);
  }
};

Result<Bytes> X25519PublicKey(const SecretBytes& private_key) {
  if (private_key.size() != kX25519KeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "an X25519 private key is 32 bytes");
  }
  Bytes public_key(kX25519KeyBytes);
  if (crypto_scalarmult_curve25519_base(
          public_key.data(), private_key.Reveal(InsecureSecretAccess::Get()).data()) != 0) {
    return Fail(ErrorCode::kInvalidArgument, "invalid X25519 private key");
  }
  return public_key;
}

Result<SecretBytes> HpkeDeriveKeyPair(ByteSpan ikm) {
  const Bytes suite = KemSuiteId();
  const SecretBytes dkp_prk = LabeledExtract(suite, {}, "dkp_prk", ikm);
  return LabeledExpand(suite, dkp_prk, "sk", {}, kX25519KeyBytes);
}

Bytes HpkeContext::NextNonce() {
  // nonce = base_nonce XOR I2OSP(seq, Nn)
  Bytes nonce = base_nonce_;
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(sequence_ >> (8 * i));
  }
  return nonce;
}

Result<Bytes> HpkeContext::Seal(ByteSpan aad, ByteSpan plaintext) {
  if (sequence_ == UINT64_MAX) return Fail(ErrorCode::kResourceExhausted, "HPKE sequence overflow");
  Bytes out(plaintext.size() + kAeadTagBytes);
  auto status = cipher_.Seal(NextNonce(), aad, plaintext, out);
  if (!status) return Fail(status.error());
  ++sequence_;
  return out;
}

Result<Bytes> HpkeContext::Open(ByteSpan aad, ByteSpan ciphertext) {
  if (sequence_ == UINT64_MAX) return Fail(ErrorCode::kResourceExhausted, "HPKE sequence overflow");
  if (ciphertext.size() < kAeadTagBytes) return Fail(ErrorCode::kDataLoss, "decryption failed");
  Bytes out(ciphertext.size() - kAeadTagBytes);
  auto status = cipher_.Open(NextNonce(), aad, ciphertext, out);
  if (!status) return Fail(status.error());
  ++sequence_;
  return out;
}

Result<SecretBytes> HpkeContext::Export(ByteSpan exporter_context, std::size_t length) const {
  return LabeledExpand(HpkeSuiteId(aead_), exporter_secret_, "sec", exporter_context, length);
}

Result<HpkeSenderContext> HpkeSetupBaseSenderWithEphemeral(HpkeAead aead,
                                                           ByteSpan recipient_public_key,
                                                           ByteSpan info,
                                                           const SecretBytes& ephemeral) {
  if (recipient_public_key.size() != kX25519KeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "an X25519 public key is 32 bytes");
  }
  // Encap(pkR): dh = DH(skE, pkR); enc = pkE; kem_context = enc || pkR.
  VIGIL_TRY(enc, X25519PublicKey(ephemeral));
  auto dh = X25519(ephemeral, recipient_public_key);
  if (!dh) return Fail(ErrorCode::kInvalidArgument, "invalid recipient public key");
  Bytes kem_context = enc;
  Append(kem_context, recipient_public_key);
  VIGIL_TRY(shared_secret, KemSharedSecret(*dh, kem_context));
  crypto::Wipe(*dh);
  VIGIL_TRY(context, HpkeSetup::Schedule(aead, AeadCipher::Direction::kSeal, shared_secret, info));
  return HpkeSenderContext{std::move(enc), std::move(context)};
}

Result<HpkeSenderContext> HpkeSetupBaseSender(HpkeAead aead, ByteSpan recipient_public_key,
                                              ByteSpan info) {
  // GenerateKeyPair(): X25519 private keys are 32 random bytes (clamped by the
  // scalar multiplication itself).
  const SecretBytes ephemeral = SecretBytes::Random(kX25519KeyBytes);
  return HpkeSetupBaseSenderWithEphemeral(aead, recipient_public_key, info, ephemeral);
}

Result<HpkeContext> HpkeSetupBaseReceiver(HpkeAead aead, ByteSpan enc,
                                          const SecretBytes& recipient_private_key, ByteSpan info) {
  // Decap(enc, skR): dh = DH(skR, enc); kem_context = enc || pkR.
  VIGIL_TRY(dh, X25519(recipient_private_key, enc));
  VIGIL_TRY(public_key, X25519PublicKey(recipient_private_key));
  Bytes kem_context(enc.begin(), enc.end());
  Append(kem_context, public_key);
  VIGIL_TRY(shared_secret, KemSharedSecret(dh, kem_context));
  crypto::Wipe(dh);
  return HpkeSetup::Schedule(aead, AeadCipher::Direction::kOpen, shared_secret, info);
}

}  // namespace vigil::seal::internal
