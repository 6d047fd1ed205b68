// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/keys.h"

#include <utility>

#include "internal/hpke.h"
#include "vigil/core/check.h"

namespace vigil::seal {

ClipKey ClipKey::Generate() { return ClipKey(crypto::SecretBytes::Random(kClipKeyBytes)); }

Result<ClipKey> ClipKey::FromSecret(crypto::SecretBytes key) {
  if (key.size() != kClipKeyBytes)
    return Fail(ErrorCode::kInvalidArgument, "a clip key is 32 bytes");
  return ClipKey(std::move(key));
}

template <class Role>
RecipientPrivateKey<Role> RecipientPrivateKey<Role>::Generate() {
  auto key = FromSecret(crypto::SecretBytes::Random(kRecipientKeyBytes));
  VIGIL_CHECK(key.has_value()) << "X25519 key generation failed";
  return std::move(*key);
}

template <class Role>
Result<RecipientPrivateKey<Role>> RecipientPrivateKey<Role>::FromSecret(crypto::SecretBytes key) {
  VIGIL_TRY(public_bytes, internal::X25519PublicKey(key));
  VIGIL_TRY(public_key, RecipientPublicKey<Role>::FromBytes(public_bytes));
  return RecipientPrivateKey(std::move(key), std::move(public_key));
}

template class RecipientPrivateKey<HouseholdRole>;
template class RecipientPrivateKey<DeviceRole>;

}  // namespace vigil::seal
