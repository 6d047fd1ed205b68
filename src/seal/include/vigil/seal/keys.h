// SPDX-License-Identifier: Apache-2.0
#pragma once

// Key types of the seal module. Each type can be used for one purpose only:
// a ClipKey encrypts the parts of one clip, a household key pair receives clip
// keys. The types do not convert into each other, so using a key for a second
// purpose does not compile. See docs/design/001-crypto-core.md §Key separation.
//
// This module (vigil_seal) is linked by the agent and the owner's client only:
// the server cannot open clips because it is not built with this code.

#include <cstddef>
#include <cstdint>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/secret.h"

namespace vigil::seal {

inline constexpr std::size_t kClipKeyBytes = 32;
inline constexpr std::size_t kRecipientKeyBytes = 32;

// The random content key of one clip (256 bits). Its parts (video, thumbnail,
// metadata) are encrypted under their own HKDF subkeys of it. Move-only.
class ClipKey {
 public:
  static ClipKey Generate();
  // For keys recovered from an envelope. Fails unless `key` is 32 bytes.
  static Result<ClipKey> FromSecret(crypto::SecretBytes key);

  const crypto::SecretBytes& secret() const { return key_; }

 private:
  explicit ClipKey(crypto::SecretBytes key) : key_(std::move(key)) {}
  crypto::SecretBytes key_;
};

// An X25519 public key that receives HPKE envelopes of one role. `Role` is a
// tag type, so a device key cannot be passed where a household key is needed.
template <class Role>
class RecipientPublicKey {
 public:
  // Fails with kInvalidArgument unless `bytes` is 32 bytes.
  static Result<RecipientPublicKey> FromBytes(ByteSpan bytes) {
    if (bytes.size() != kRecipientKeyBytes) {
      return Fail(ErrorCode::kInvalidArgument, "an X25519 public key is 32 bytes");
    }
    return RecipientPublicKey(Bytes(bytes.begin(), bytes.end()));
  }
  ByteSpan bytes() const { return key_; }
  // SHA-256 of the key: the recipient key id in envelopes and HPKE info.
  crypto::Sha256Digest KeyId() const { return crypto::Sha256(key_); }
  bool operator==(const RecipientPublicKey&) const = default;

 private:
  explicit RecipientPublicKey(Bytes key) : key_(std::move(key)) {}
  Bytes key_;
};

// The matching X25519 private key. Move-only, in locked memory.
template <class Role>
class RecipientPrivateKey {
 public:
  static RecipientPrivateKey Generate();
  // Fails with kInvalidArgument unless `key` is 32 bytes.
  static Result<RecipientPrivateKey> FromSecret(crypto::SecretBytes key);

  const RecipientPublicKey<Role>& public_key() const { return public_key_; }
  const crypto::SecretBytes& secret() const { return key_; }

 private:
  RecipientPrivateKey(crypto::SecretBytes key, RecipientPublicKey<Role> public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  crypto::SecretBytes key_;
  RecipientPublicKey<Role> public_key_;
};

// The household key: cameras seal clip keys to it; it is itself sealed to each
// member device.
struct HouseholdRole {};
using HouseholdPublicKey = RecipientPublicKey<HouseholdRole>;
using HouseholdPrivateKey = RecipientPrivateKey<HouseholdRole>;

// A member device's X25519 key (one per client profile): household private
// keys are sealed to it (household_envelope.h).
struct DeviceRole {};
using DevicePublicKey = RecipientPublicKey<DeviceRole>;
using DevicePrivateKey = RecipientPrivateKey<DeviceRole>;

extern template class RecipientPrivateKey<HouseholdRole>;
extern template class RecipientPrivateKey<DeviceRole>;

}  // namespace vigil::seal
