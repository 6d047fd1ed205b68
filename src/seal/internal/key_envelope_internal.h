// SPDX-License-Identifier: Apache-2.0
#pragma once

// Internal hook of key_envelope.h for known-answer vectors only.

#include "vigil/seal/key_envelope.h"

namespace vigil::seal::internal {

// SealClipKey with the given ephemeral X25519 private key (a fresh random one
// when `ephemeral` is null, which is what SealClipKey does).
Result<Bytes> SealClipKeyForVectors(const ClipKey& key, const HouseholdPublicKey& recipient,
                                    const ClipBinding& binding,
                                    const crypto::SecretBytes* ephemeral);

}  // namespace vigil::seal::internal
