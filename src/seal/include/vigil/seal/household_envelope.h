// SPDX-License-Identifier: Apache-2.0
#pragma once

// Household-key envelopes: a household's X25519 private key sealed with RFC
// 9180 HPKE (the suite of key_envelope.h) to one member device's X25519 key,
// bound through HPKE `info` to the household id, the key's epoch, the device
// id and the device key. The owner's client makes one per member device
// (docs/design/002-vigild.md §Households and pairing). Base mode does not
// authenticate the sender: whoever distributes envelopes must sign what it
// sends (rosters, SignaturePurpose::kRoster). Byte layout:
// docs/formats/hpke-envelope.md, purpose 0x02.

#include <cstddef>
#include <cstdint>
#include <string>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

inline constexpr std::size_t kHouseholdKeyEnvelopeBytes = 124;

// What a household-key envelope is bound to. Opening with any different field
// fails.
struct HouseholdKeyBinding {
  std::string household_id;  // 1..255 bytes
  std::uint64_t epoch = 0;   // the household key's epoch
  std::string device_id;     // 1..255 bytes, the recipient device
};

// Seals `key` to `device`. Fails with kInvalidArgument on an empty or
// over-long id.
Result<Bytes> SealHouseholdKey(const HouseholdPrivateKey& key, const DevicePublicKey& device,
                               const HouseholdKeyBinding& binding);

// Opens an envelope made by SealHouseholdKey. Any mismatch (other device key,
// other binding, altered byte, a clip-key envelope) fails with kDataLoss
// "decryption failed"; ids out of range are kInvalidArgument.
Result<HouseholdPrivateKey> OpenHouseholdKey(ByteSpan envelope, const DevicePrivateKey& device,
                                             const HouseholdKeyBinding& binding);

// The device key id (SHA-256 of the device public key) an envelope names.
// Fails with kInvalidArgument if the bytes are not a household-key envelope.
Result<crypto::Sha256Digest> HouseholdEnvelopeRecipientKeyId(ByteSpan envelope);

namespace internal {
// The HPKE info of a household-key envelope (for vectors and tests).
Result<Bytes> HouseholdEnvelopeInfo(const HouseholdKeyBinding& binding,
                                    const crypto::Sha256Digest& device_key_id);
// SealHouseholdKey with a given ephemeral key: known-answer vectors only.
Result<Bytes> SealHouseholdKeyForVectors(const HouseholdPrivateKey& key,
                                         const DevicePublicKey& device,
                                         const HouseholdKeyBinding& binding,
                                         const crypto::SecretBytes* ephemeral);
}  // namespace internal

}  // namespace vigil::seal
