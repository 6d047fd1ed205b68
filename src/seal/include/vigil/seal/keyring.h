// SPDX-License-Identifier: Apache-2.0
#pragma once

// The account keyring: the account's Ed25519 signing key and every household
// X25519 private key (with its epoch) the account holds. Device keys are not
// in it (each client profile keeps its own). The server stores the keyring
// only wrapped, twice: under the password KEK and under the recovery KEK
// (account_keys.h). Serialization and the "VGKW" wrapping:
// docs/formats/keyring.md.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/secret.h"
#include "vigil/crypto/signing.h"
#include "vigil/seal/account_keys.h"
#include "vigil/seal/keys.h"

namespace vigil::seal {

inline constexpr std::size_t kMaxKeyringIdBytes = 255;
inline constexpr std::size_t kMaxKeyringHouseholdKeys = 4096;
inline constexpr std::size_t kMaxAccountIdBytes = 255;

// One household key pair of one epoch.
struct HouseholdKeyEntry {
  std::string household_id;  // 1..255 bytes
  std::uint64_t epoch = 0;
  HouseholdPrivateKey key;
};

// A value type (move-only: it holds private keys). Entries are kept sorted by
// (household_id, epoch), which is also their serialized order.
// Thread-compatible.
class Keyring {
 public:
  explicit Keyring(crypto::SigningKey account_signing_key)
      : signing_key_(std::move(account_signing_key)) {}
  // A keyring with a fresh account signing key and no household keys.
  static Keyring Generate();

  const crypto::SigningKey& account_signing_key() const { return signing_key_; }
  const std::vector<HouseholdKeyEntry>& household_keys() const { return households_; }

  // Adds a household key. Fails with kInvalidArgument on an id outside 1..255
  // bytes, kAlreadyExists if (household_id, epoch) is present,
  // kResourceExhausted past kMaxKeyringHouseholdKeys.
  Status AddHouseholdKey(std::string household_id, std::uint64_t epoch, HouseholdPrivateKey key);
  // The key of (household_id, epoch), or nullptr.
  const HouseholdPrivateKey* FindHouseholdKey(std::string_view household_id,
                                              std::uint64_t epoch) const;
  // The entry with the highest epoch of `household_id`, or nullptr.
  const HouseholdKeyEntry* LatestHouseholdKey(std::string_view household_id) const;

  // The canonical serialization (keyring.md §Plaintext), in locked memory.
  crypto::SecretBytes Serialize() const;
  // Parses exactly what Serialize produces; anything else (including
  // unsorted or duplicate entries and trailing bytes) fails with kDataLoss
  // "malformed keyring".
  static Result<Keyring> Parse(const crypto::SecretBytes& serialized);

 private:
  crypto::SigningKey signing_key_;
  std::vector<HouseholdKeyEntry> households_;
};

// Wraps `keyring` under `kek` for account `account_id` (1..255 bytes): the
// "VGKW" v1 format with a fresh random salt and nonce. Fails with
// kInvalidArgument on a bad account id.
Result<Bytes> WrapKeyring(const Keyring& keyring, const KeyEncryptionKey& kek,
                          std::string_view account_id);

// Opens a wrapped keyring. A wrong KEK (wrong password, ASK, salt, email or
// recovery code), a KEK of the other kind, another account id, or any altered,
// missing or extra byte fails with kDataLoss "decryption failed".
Result<Keyring> UnwrapKeyring(ByteSpan wrapped, const KeyEncryptionKey& kek,
                              std::string_view account_id);

namespace internal {
inline constexpr std::size_t kKeyringWrapSaltBytes = 32;
inline constexpr std::size_t kKeyringWrapNonceBytes = 12;
inline constexpr std::size_t kKeyringWrapHeaderBytes = 50;
// WrapKeyring with a given salt and nonce: known-answer vectors only.
Result<Bytes> WrapKeyringForVectors(const Keyring& keyring, const KeyEncryptionKey& kek,
                                    std::string_view account_id, ByteSpan salt, ByteSpan nonce);
// The AES-256-GCM subkey of a wrap (for vectors).
Result<crypto::SecretBytes> KeyringWrapSubkey(const KeyEncryptionKey& kek, ByteSpan salt,
                                              std::string_view account_id);
}  // namespace internal

}  // namespace vigil::seal
