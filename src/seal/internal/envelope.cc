// SPDX-License-Identifier: Apache-2.0
#include "internal/envelope.h"

#include <algorithm>
#include <array>

#include "internal/decryption_failed.h"
#include "internal/hpke.h"

namespace vigil::seal::internal {
namespace {

// "VGEV": Vigil envelope. Layout in docs/formats/hpke-envelope.md.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x45, 0x56};
constexpr std::uint8_t kVersion = 0x01;
constexpr HpkeAead kAead = HpkeAead::kAes128Gcm;
constexpr std::size_t kKeyIdOffset = 12;
constexpr std::size_t kEncOffset = 44;
constexpr std::size_t kCiphertextOffset = 76;

// Everything before `enc`: magic, version, purpose, suite ids, recipient key
// id. Used as the HPKE aad, so none of it can be altered.
Bytes EnvelopePrefix(std::uint8_t purpose, const crypto::Sha256Digest& key_id) {
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kVersion);
  out.push_back(purpose);
  AppendU16(out, kHpkeKemX25519HkdfSha256);
  AppendU16(out, kHpkeKdfHkdfSha256);
  AppendU16(out, static_cast<std::uint16_t>(kAead));
  Append(out, key_id);
  return out;
}

}  // namespace

void AppendLengthPrefixed(Bytes& out, ByteSpan field) {
  AppendU16(out, static_cast<std::uint16_t>(field.size()));
  Append(out, field);
}

Result<Bytes> SealEnvelope(std::uint8_t purpose, ByteSpan recipient_public_key, ByteSpan info,
                           ByteSpan secret, const crypto::SecretBytes* ephemeral) {
  if (secret.size() != kEnvelopeSecretBytes) {
    return Fail(ErrorCode::kInvalidArgument, "an envelope carries 32 bytes");
  }
  auto sender = ephemeral != nullptr ? HpkeSetupBaseSenderWithEphemeral(kAead, recipient_public_key,
                                                                        info, *ephemeral)
                                     : HpkeSetupBaseSender(kAead, recipient_public_key, info);
  if (!sender) return Fail(sender.error());
  Bytes envelope = EnvelopePrefix(purpose, crypto::Sha256(recipient_public_key));
  VIGIL_TRY(sealed, sender->context.Seal(envelope, secret));
  Append(envelope, sender->enc);
  Append(envelope, sealed);
  return envelope;
}

Result<crypto::SecretBytes> OpenEnvelope(std::uint8_t purpose, ByteSpan envelope,
                                         const crypto::SecretBytes& recipient_private_key,
                                         ByteSpan recipient_public_key, ByteSpan info) {
  // The whole prefix must be exactly what this recipient and suite produce.
  const Bytes prefix = EnvelopePrefix(purpose, crypto::Sha256(recipient_public_key));
  if (envelope.size() != kEnvelopeBytes ||
      !std::equal(prefix.begin(), prefix.end(), envelope.begin())) {
    return Fail(DecryptionFailed());
  }
  auto receiver = HpkeSetupBaseReceiver(kAead, envelope.subspan(kEncOffset, kX25519KeyBytes),
                                        recipient_private_key, info);
  if (!receiver) return Fail(DecryptionFailed());
  auto opened = receiver->Open(prefix, envelope.subspan(kCiphertextOffset));
  if (!opened) return Fail(DecryptionFailed());
  crypto::SecretBytes secret(*opened, crypto::InsecureSecretAccess::Get());
  crypto::Wipe(*opened);
  return secret;
}

Result<crypto::Sha256Digest> EnvelopeKeyId(std::uint8_t purpose, ByteSpan envelope) {
  if (envelope.size() != kEnvelopeBytes ||
      !std::equal(kMagic.begin(), kMagic.end(), envelope.begin()) || envelope[4] != kVersion ||
      envelope[5] != purpose) {
    return Fail(ErrorCode::kInvalidArgument, "not an envelope of this kind");
  }
  crypto::Sha256Digest key_id{};
  std::copy_n(envelope.begin() + kKeyIdOffset, key_id.size(), key_id.begin());
  return key_id;
}

}  // namespace vigil::seal::internal
