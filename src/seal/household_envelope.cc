// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/household_envelope.h"

#include "internal/envelope.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {

using internal::kEnvelopePurposeHouseholdKey;

namespace internal {

// info = Label(kHouseholdKey) || lp(household_id) || lp(u64 epoch) ||
//        lp(device_id) || lp(device key id).
Result<Bytes> HouseholdEnvelopeInfo(const HouseholdKeyBinding& binding,
                                    const crypto::Sha256Digest& device_key_id) {
  for (const std::string* id : {&binding.household_id, &binding.device_id}) {
    if (id->empty() || id->size() > 255) {
      return Fail(ErrorCode::kInvalidArgument, "household and device ids must be 1 to 255 bytes");
    }
  }
  Bytes info;
  Append(info, AsBytes(crypto::Label(crypto::EnvelopePurpose::kHouseholdKey)));
  AppendLengthPrefixed(info, AsBytes(binding.household_id));
  Bytes epoch;
  AppendU64(epoch, binding.epoch);
  AppendLengthPrefixed(info, epoch);
  AppendLengthPrefixed(info, AsBytes(binding.device_id));
  AppendLengthPrefixed(info, device_key_id);
  return info;
}

Result<Bytes> SealHouseholdKeyForVectors(const HouseholdPrivateKey& key,
                                         const DevicePublicKey& device,
                                         const HouseholdKeyBinding& binding,
                                         const crypto::SecretBytes* ephemeral) {
  VIGIL_TRY(info, HouseholdEnvelopeInfo(binding, device.KeyId()));
  return SealEnvelope(kEnvelopePurposeHouseholdKey, device.bytes(), info,
                      key.secret().Reveal(crypto::InsecureSecretAccess::Get()), ephemeral);
}

}  // namespace internal

Result<Bytes> SealHouseholdKey(const HouseholdPrivateKey& key, const DevicePublicKey& device,
                               const HouseholdKeyBinding& binding) {
  return internal::SealHouseholdKeyForVectors(key, device, binding, nullptr);
}

Result<HouseholdPrivateKey> OpenHouseholdKey(ByteSpan envelope, const DevicePrivateKey& device,
                                             const HouseholdKeyBinding& binding) {
  auto info = internal::HouseholdEnvelopeInfo(binding, device.public_key().KeyId());
  if (!info) return Fail(info.error());
  VIGIL_TRY(secret, internal::OpenEnvelope(kEnvelopePurposeHouseholdKey, envelope, device.secret(),
                                           device.public_key().bytes(), *info));
  return HouseholdPrivateKey::FromSecret(std::move(secret));
}

Result<crypto::Sha256Digest> HouseholdEnvelopeRecipientKeyId(ByteSpan envelope) {
  auto key_id = internal::EnvelopeKeyId(kEnvelopePurposeHouseholdKey, envelope);
  if (!key_id) return Fail(ErrorCode::kInvalidArgument, "not a household-key envelope");
  return key_id;
}

}  // namespace vigil::seal
