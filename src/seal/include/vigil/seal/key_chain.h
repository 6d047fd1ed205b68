// SPDX-License-Identifier: Apache-2.0
#pragma once

// The account key chain (docs/design/002-vigild.md §Devices and key chains):
// a numbered sequence of versions, each listing the account signing public
// key and every owner device (device id, X25519 key, Ed25519 key). Version 1
// is signed by its own account signing key; version n > 1 by the account
// signing key of version n - 1, and names the SHA-256 of version n - 1
// (payload ‖ signature), so a server can neither edit, drop nor reorder
// versions unseen. Clients verify the whole chain whenever they use it and pin
// the newest version they have verified (a shorter or forked chain is then an
// error). Byte layout: docs/formats/key-chain.md.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

inline constexpr std::size_t kMaxKeyChainIdBytes = 64;
inline constexpr std::size_t kMaxKeyChainDevices = 256;
// The longest payload: header, the longest account id, 256 devices with the
// longest ids. The server refuses anything larger.
inline constexpr std::size_t kMaxKeyChainPayloadBytes =
    4 + 1 + 2 + kMaxKeyChainIdBytes + 8 + 32 + 32 + 2 +
    kMaxKeyChainDevices * (2 + kMaxKeyChainIdBytes + 32 + 32);

// One owner device as the chain lists it.
struct KeyChainDevice {
  std::string device_id;       // 1..64 bytes
  DevicePublicKey box_key;     // X25519: household keys are sealed to it
  crypto::VerifyKey sign_key;  // Ed25519
  bool operator==(const KeyChainDevice&) const = default;
};

// The signed content of one version.
struct KeyChainPayload {
  std::string account_id;  // 1..64 bytes
  std::uint64_t version = 0;
  crypto::Sha256Digest previous_hash{};  // KeyChainVersionHash of version - 1; zeros for 1
  crypto::VerifyKey account_key;         // the account signing public key of this version
  std::vector<KeyChainDevice> devices;   // 1..256, unique ids (encoded sorted by id)
};

// One version as stored: the canonical payload and its signature.
struct SignedKeyChainVersion {
  Bytes payload;
  crypto::Signature signature{};
};

// The canonical encoding (devices sorted by id). kInvalidArgument on an id
// outside 1..64 bytes, no device or more than 256, a duplicate device id, or
// version 0.
Result<Bytes> EncodeKeyChainPayload(const KeyChainPayload& payload);
// Parses exactly what EncodeKeyChainPayload produces; anything else fails
// with kDataLoss "malformed key-chain version".
Result<KeyChainPayload> DecodeKeyChainPayload(ByteSpan payload);

// Encodes `payload` and signs it (SignaturePurpose::kKeyChain) with `signer`:
// the version's own account key for version 1, the previous version's
// account key after that.
Result<SignedKeyChainVersion> SignKeyChainVersion(const KeyChainPayload& payload,
                                                  const crypto::SigningKey& signer);

// SHA-256(payload ‖ signature): what the next version names.
crypto::Sha256Digest KeyChainVersionHash(const SignedKeyChainVersion& version);

// The newest version a client has verified, to refuse a rollback or fork.
struct KeyChainPin {
  std::uint64_t version = 0;  // 0: nothing pinned yet
  crypto::Sha256Digest hash{};
};

// The result of verifying a chain: its newest payload and the pin to keep.
struct VerifiedKeyChain {
  KeyChainPayload head;
  KeyChainPin pin;
};

// Verifies `chain` (oldest first, starting at version 1) for `account_id`:
// every payload decodes and names this account, versions are 1, 2, 3 …
// without gaps, each names the hash of the one before (zeros for 1), each
// signature verifies under the right key, and the chain reaches `pin`
// (at least pin.version versions, version pin.version hashing to pin.hash).
// Any failure is kDataLoss "key chain verification failed: <why>".
Result<VerifiedKeyChain> VerifyKeyChain(std::string_view account_id,
                                        std::span<const SignedKeyChainVersion> chain,
                                        const KeyChainPin& pin);

// The payload of the version after `head` that adds `device` (replacing a
// device of the same id), keeping the account key.
KeyChainPayload NextKeyChainPayload(const VerifiedKeyChain& chain, KeyChainDevice device);

}  // namespace vigil::seal
