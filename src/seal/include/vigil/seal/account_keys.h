// SPDX-License-Identifier: Apache-2.0
#pragma once

// The client-held account secrets and what is derived from them
// (docs/design/002-vigild.md §Keys and what the server stores):
//
//   pw_key       = Argon2id(password, account_salt, cost)            (32 bytes)
//   ikm          = pw_key || ASK                                     (48 bytes)
//   auth_key     = DeriveKey(ikm, account_salt, "vigil/v1/account-auth", email)
//   kek          = DeriveKey(ikm, account_salt, "vigil/v1/account-kek", email)
//   recovery_kek = DeriveKey(recovery code, recovery_salt, "vigil/v1/recovery-kek", email)
//   recovery_auth_key = DeriveKey(recovery code, recovery_salt, "vigil/v1/recovery-auth", email)
//
// The server sees auth_key at login (it stores HMAC-SHA256(server_secret,
// auth_key)) and never the password, the Account Secret Key (ASK), the
// recovery code or either KEK. Guessing the password from a stolen database
// needs the ASK's 128 random bits, so a dictionary is useless.
// Human forms and byte layouts: docs/formats/keyring.md.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vigil/core/bytes.h"
#include "vigil/core/result.h"
#include "vigil/crypto/password_kdf.h"
#include "vigil/crypto/secret.h"

namespace vigil::seal {

inline constexpr std::size_t kAccountSecretKeyBytes = 16;  // 128 bits
inline constexpr std::size_t kRecoveryCodeBytes = 20;      // 160 bits
inline constexpr std::size_t kAccountSaltBytes = 16;
inline constexpr std::size_t kAuthKeyBytes = 32;
inline constexpr std::size_t kKeyEncryptionKeyBytes = 32;

// The Account Secret Key: 128 random bits made by the first client, kept in
// every device profile and in the recovery kit. Move-only.
class AccountSecretKey {
 public:
  static AccountSecretKey Generate();
  // Fails with kInvalidArgument unless `key` is 16 bytes.
  static Result<AccountSecretKey> FromSecret(crypto::SecretBytes key);
  // Parses the human form "A1-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX"
  // (case-insensitive; '-' and ' ' are ignored). A wrong prefix, length,
  // character or checksum (a typo) fails with kInvalidArgument
  // "invalid account secret key".
  static Result<AccountSecretKey> Decode(std::string_view text);

  // The human form. It is the secret: show or store it only where the key
  // itself may go.
  std::string Encode(crypto::SecretAccess access) const;
  const crypto::SecretBytes& secret() const { return key_; }

 private:
  explicit AccountSecretKey(crypto::SecretBytes key) : key_(std::move(key)) {}
  crypto::SecretBytes key_;
};

// The recovery code: 160 random bits, printed in the recovery kit; it unwraps
// the second copy of the keyring when the password is lost. Move-only.
class RecoveryCode {
 public:
  static RecoveryCode Generate();
  // Fails with kInvalidArgument unless `code` is 20 bytes.
  static Result<RecoveryCode> FromSecret(crypto::SecretBytes code);
  // Parses "R1-XXXX-...-XXXX" (ten groups of four; case-insensitive, '-' and
  // ' ' ignored). Any typo fails with kInvalidArgument "invalid recovery code".
  static Result<RecoveryCode> Decode(std::string_view text);

  std::string Encode(crypto::SecretAccess access) const;
  const crypto::SecretBytes& secret() const { return code_; }

 private:
  explicit RecoveryCode(crypto::SecretBytes code) : code_(std::move(code)) {}
  crypto::SecretBytes code_;
};

// The login proof. It is meant to leave the client (once per login, over
// TLS); the server keeps only HMAC-SHA256(server_secret, proof). Move-only.
class AuthKey {
 public:
  // The 32 bytes to send to the server at login, password change or account
  // creation. Nothing else about this key is exported.
  Bytes ProofBytes() const;

 private:
  friend struct AccountKeyFactory;
  explicit AuthKey(crypto::SecretBytes key) : key_(std::move(key)) {}
  crypto::SecretBytes key_;
};

// A key that wraps the keyring (keyring.h): either the password KEK or the
// recovery KEK. The kind is part of the wrapped format, so a keyring wrapped
// under one kind is never opened as the other. Move-only.
class KeyEncryptionKey {
 public:
  enum class Kind : std::uint8_t { kAccount = 0x01, kRecovery = 0x02 };

  Kind kind() const { return kind_; }
  const crypto::SecretBytes& secret() const { return key_; }

 private:
  friend struct AccountKeyFactory;
  KeyEncryptionKey(crypto::SecretBytes key, Kind kind) : key_(std::move(key)), kind_(kind) {}
  crypto::SecretBytes key_;
  Kind kind_;
};

struct AccountKeys {
  AuthKey auth_key;
  KeyEncryptionKey kek;
};

// A fresh random 16-byte account salt (made once per account and on every
// password change).
Bytes NewAccountSalt();

// Derives the login proof and the KEK as described above. `email` is used as
// given (bytes): callers pass the same normalized form every time (Vigil's
// client lower-cases and trims it). Fails with kFailedPrecondition if `cost`
// is outside [kMinimumArgon2idCost, kMaximumArgon2idCost] (a server cannot
// make guessing cheap), kInvalidArgument if the salt is not 16 bytes or the
// password or email is empty.
Result<AccountKeys> DeriveAccountKeys(const crypto::SecretBytes& password,
                                      const AccountSecretKey& ask, ByteSpan account_salt,
                                      const crypto::Argon2idCost& cost, std::string_view email);

// Derives the recovery KEK. Same argument rules as DeriveAccountKeys.
// `account_salt` is the recovery salt (made with the recovery code and kept
// across password changes; docs/formats/keyring.md).
Result<KeyEncryptionKey> DeriveRecoveryKey(const RecoveryCode& code, ByteSpan account_salt,
                                           std::string_view email);

// What the recovery code yields: the proof the server checks before it hands
// out the recovery-wrapped keyring or accepts new credentials, and the KEK
// that opens that keyring.
struct RecoveryKeys {
  AuthKey auth_key;
  KeyEncryptionKey kek;
};

// Derives both recovery keys from the code, the recovery salt (16 bytes) and
// the email. kInvalidArgument for a salt that is not 16 bytes or an empty email.
Result<RecoveryKeys> DeriveRecoveryKeys(const RecoveryCode& code, ByteSpan recovery_salt,
                                        std::string_view email);

namespace internal {
// The part of DeriveAccountKeys after Argon2id, from `pw_key` (32 bytes): for
// known-answer vectors and for tests that must not pay for Argon2id.
Result<AccountKeys> DeriveAccountKeysFromPasswordKey(const crypto::SecretBytes& pw_key,
                                                     const AccountSecretKey& ask,
                                                     ByteSpan account_salt, std::string_view email);
// A KEK from raw bytes (vectors and tests only).
Result<KeyEncryptionKey> KeyEncryptionKeyForTests(crypto::SecretBytes key,
                                                  KeyEncryptionKey::Kind kind);
}  // namespace internal

}  // namespace vigil::seal
