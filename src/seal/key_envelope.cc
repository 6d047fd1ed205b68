// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/key_envelope.h"

#include <algorithm>
#include <array>

#include "internal/decryption_failed.h"
#include "internal/hpke.h"
#include "internal/key_envelope_internal.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

using internal::DecryptionFailed;

using internal::HpkeAead;

// "VGEV": Vigil envelope. Layout in docs/formats/hpke-envelope.md.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x45, 0x56};
constexpr std::uint8_t kVersion = 0x01;
constexpr std::uint8_t kPurposeClipKey = 0x01;
constexpr HpkeAead kAead = HpkeAead::kAes128Gcm;
constexpr std::size_t kKeyIdOffset = 12;
constexpr std::size_t kEncOffset = 44;
constexpr std::size_t kCiphertextOffset = 76;

// Everything before `enc`: magic, version, purpose, suite ids, recipient key
// id. Used as the HPKE aad, so none of it can be altered.
Bytes EnvelopePrefix(const crypto::Sha256Digest& key_id) {
  Bytes out(kMagic.begin(), kMagic.end());
  out.push_back(kVersion);
  out.push_back(kPurposeClipKey);
  AppendU16(out, internal::kHpkeKemX25519HkdfSha256);
  AppendU16(out, internal::kHpkeKdfHkdfSha256);
  AppendU16(out, static_cast<std::uint16_t>(kAead));
  Append(out, key_id);
  return out;
}

void AppendLengthPrefixed(Bytes& out, ByteSpan field) {
  AppendU16(out, static_cast<std::uint16_t>(field.size()));
  Append(out, field);
}

// info = Label(kClipKey) || lp(clip_id) || lp(camera_id) || lp(u64 epoch) ||
//        lp(recipient key id), where lp(x) = u16 length || x.
Result<Bytes> EnvelopeInfo(const ClipBinding& binding, const crypto::Sha256Digest& key_id) {
  for (const std::string* id : {&binding.clip_id, &binding.camera_id}) {
    if (id->empty() || id->size() > kMaxBindingIdBytes) {
      return Fail(ErrorCode::kInvalidArgument, "clip and camera ids must be 1 to 255 bytes");
    }
  }
  Bytes info;
  Append(info, AsBytes(crypto::Label(crypto::EnvelopePurpose::kClipKey)));
  AppendLengthPrefixed(info, AsBytes(binding.clip_id));
  AppendLengthPrefixed(info, AsBytes(binding.camera_id));
  Bytes epoch;
  AppendU64(epoch, binding.household_epoch);
  AppendLengthPrefixed(info, epoch);
  AppendLengthPrefixed(info, key_id);
  return info;
}

}  // namespace

namespace internal {

// SealClipKey with a given ephemeral key: only for known-answer vectors.
Result<Bytes> SealClipKeyForVectors(const ClipKey& key, const HouseholdPublicKey& recipient,
                                    const ClipBinding& binding,
                                    const crypto::SecretBytes* ephemeral) {
  const crypto::Sha256Digest key_id = recipient.KeyId();
  VIGIL_TRY(info, EnvelopeInfo(binding, key_id));
  auto sender = ephemeral != nullptr
                    ? HpkeSetupBaseSenderWithEphemeral(kAead, recipient.bytes(), info, *ephemeral)
                    : HpkeSetupBaseSender(kAead, recipient.bytes(), info);
  if (!sender) return Fail(sender.error());
  Bytes envelope = EnvelopePrefix(key_id);
  VIGIL_TRY(sealed, sender->context.Seal(envelope,
                                         key.secret().Reveal(crypto::InsecureSecretAccess::Get())));
  Append(envelope, sender->enc);
  Append(envelope, sealed);
  return envelope;
}

}  // namespace internal

Result<Bytes> SealClipKey(const ClipKey& key, const HouseholdPublicKey& recipient,
                          const ClipBinding& binding) {
  return internal::SealClipKeyForVectors(key, recipient, binding, nullptr);
}

Result<crypto::Sha256Digest> EnvelopeRecipientKeyId(ByteSpan envelope) {
  if (envelope.size() != kClipKeyEnvelopeBytes ||
      !std::equal(kMagic.begin(), kMagic.end(), envelope.begin()) || envelope[4] != kVersion ||
      envelope[5] != kPurposeClipKey) {
    return Fail(ErrorCode::kInvalidArgument, "not a clip-key envelope");
  }
  crypto::Sha256Digest key_id{};
  std::copy_n(envelope.begin() + kKeyIdOffset, key_id.size(), key_id.begin());
  return key_id;
}

Result<ClipKey> OpenClipKey(ByteSpan envelope, const HouseholdPrivateKey& recipient,
                            const ClipBinding& binding) {
  const crypto::Sha256Digest key_id = recipient.public_key().KeyId();
  // The whole prefix must be exactly what this recipient and suite produce.
  const Bytes prefix = EnvelopePrefix(key_id);
  if (envelope.size() != kClipKeyEnvelopeBytes ||
      !std::equal(prefix.begin(), prefix.end(), envelope.begin())) {
    return Fail(DecryptionFailed());
  }
  auto info = EnvelopeInfo(binding, key_id);
  if (!info) return Fail(info.error());
  auto receiver = internal::HpkeSetupBaseReceiver(
      kAead, envelope.subspan(kEncOffset, internal::kX25519KeyBytes), recipient.secret(), *info);
  if (!receiver) return Fail(DecryptionFailed());
  auto opened = receiver->Open(prefix, envelope.subspan(kCiphertextOffset));
  if (!opened) return Fail(DecryptionFailed());
  crypto::SecretBytes secret(*opened, crypto::InsecureSecretAccess::Get());
  crypto::Wipe(*opened);
  return ClipKey::FromSecret(std::move(secret));
}

}  // namespace vigil::seal
