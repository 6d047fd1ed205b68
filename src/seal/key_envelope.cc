// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/key_envelope.h"

#include "internal/envelope.h"
#include "internal/key_envelope_internal.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

using internal::AppendLengthPrefixed;
using internal::kEnvelopePurposeClipKey;

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
  VIGIL_TRY(info, EnvelopeInfo(binding, recipient.KeyId()));
  return SealEnvelope(kEnvelopePurposeClipKey, recipient.bytes(), info,
                      key.secret().Reveal(crypto::InsecureSecretAccess::Get()), ephemeral);
}

}  // namespace internal

Result<Bytes> SealClipKey(const ClipKey& key, const HouseholdPublicKey& recipient,
                          const ClipBinding& binding) {
  return internal::SealClipKeyForVectors(key, recipient, binding, nullptr);
}

Result<crypto::Sha256Digest> EnvelopeRecipientKeyId(ByteSpan envelope) {
  auto key_id = internal::EnvelopeKeyId(kEnvelopePurposeClipKey, envelope);
  if (!key_id) return Fail(ErrorCode::kInvalidArgument, "not a clip-key envelope");
  return key_id;
}

Result<ClipKey> OpenClipKey(ByteSpan envelope, const HouseholdPrivateKey& recipient,
                            const ClipBinding& binding) {
  auto info = EnvelopeInfo(binding, recipient.public_key().KeyId());
  if (!info) return Fail(info.error());
  VIGIL_TRY(secret, internal::OpenEnvelope(kEnvelopePurposeClipKey, envelope, recipient.secret(),
                                           recipient.public_key().bytes(), *info));
  return ClipKey::FromSecret(std::move(secret));
}

}  // namespace vigil::seal
