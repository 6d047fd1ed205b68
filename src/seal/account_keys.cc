// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/account_keys.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "internal/base32.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

// Builds the opaque key types; the only place that may.
struct AccountKeyFactory {
  static AuthKey Auth(SecretBytes key) { return AuthKey(std::move(key)); }
  static KeyEncryptionKey Kek(SecretBytes key, KeyEncryptionKey::Kind kind) {
    return KeyEncryptionKey(std::move(key), kind);
  }
};

namespace {

constexpr std::size_t kChecksumBytesAsk = 4;
constexpr std::size_t kChecksumBytesRecovery = 5;
constexpr std::size_t kGroupChars = 4;
constexpr std::size_t kPasswordKeyBytes = 32;

// checksum = SHA-256(prefix || secret)[0 .. n): the prefix ("A1" or "R1")
// keeps an ASK from ever parsing as a recovery code or the reverse.
Bytes Checksum(std::string_view prefix, ByteSpan secret, std::size_t n) {
  Bytes input(prefix.begin(), prefix.end());
  Append(input, secret);
  const auto digest = crypto::Sha256(input);
  crypto::Wipe(input);
  return Bytes(digest.begin(), digest.begin() + static_cast<std::ptrdiff_t>(n));
}

// prefix-GGGG-GGGG-... over base32(secret || checksum).
std::string EncodeHuman(std::string_view prefix, ByteSpan secret, std::size_t checksum_bytes) {
  Bytes payload(secret.begin(), secret.end());
  Append(payload, Checksum(prefix, secret, checksum_bytes));
  std::string body = internal::Base32Encode(payload);
  crypto::Wipe(payload);
  std::string out(prefix);
  for (std::size_t i = 0; i < body.size(); i += kGroupChars) {
    out.push_back('-');
    out.append(body, i, kGroupChars);
  }
  crypto::Wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(body.data()), body.size()));
  return out;
}

// Inverse of EncodeHuman; nullopt-like empty result on any error.
Result<SecretBytes> DecodeHuman(std::string_view text, std::string_view prefix,
                                std::size_t secret_bytes, std::size_t checksum_bytes,
                                std::string_view error) {
  std::string norm;
  for (const char c : text) {
    if (c == '-' || c == ' ') continue;
    norm.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  const std::size_t body_chars = ((secret_bytes + checksum_bytes) * 8 + 4) / 5;
  if (norm.size() != prefix.size() + body_chars || norm.compare(0, prefix.size(), prefix) != 0) {
    return Fail(ErrorCode::kInvalidArgument, std::string(error));
  }
  const std::string_view norm_view = norm;
  auto payload = internal::Base32Decode(norm_view.substr(prefix.size()));
  crypto::Wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(norm.data()), norm.size()));
  if (!payload || payload->size() != secret_bytes + checksum_bytes) {
    return Fail(ErrorCode::kInvalidArgument, std::string(error));
  }
  const ByteSpan secret = ByteSpan(*payload).first(secret_bytes);
  const bool ok = crypto::ConstantTimeEquals(Checksum(prefix, secret, checksum_bytes),
                                             ByteSpan(*payload).subspan(secret_bytes));
  SecretBytes out(secret, InsecureSecretAccess::Get());
  crypto::Wipe(*payload);
  if (!ok) return Fail(ErrorCode::kInvalidArgument, std::string(error));
  return out;
}

Status CheckSaltAndEmail(ByteSpan account_salt, std::string_view email) {
  if (account_salt.size() != kAccountSaltBytes) {
    return Fail(ErrorCode::kInvalidArgument, "the account salt is 16 bytes");
  }
  if (email.empty()) return Fail(ErrorCode::kInvalidArgument, "the email must not be empty");
  return OkStatus();
}

}  // namespace

AccountSecretKey AccountSecretKey::Generate() {
  return AccountSecretKey(SecretBytes::Random(kAccountSecretKeyBytes));
}

Result<AccountSecretKey> AccountSecretKey::FromSecret(SecretBytes key) {
  if (key.size() != kAccountSecretKeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "an account secret key is 16 bytes");
  }
  return AccountSecretKey(std::move(key));
}

Result<AccountSecretKey> AccountSecretKey::Decode(std::string_view text) {
  VIGIL_TRY(key, DecodeHuman(text, "A1", kAccountSecretKeyBytes, kChecksumBytesAsk,
                             "invalid account secret key"));
  return AccountSecretKey(std::move(key));
}

std::string AccountSecretKey::Encode(crypto::SecretAccess access) const {
  return EncodeHuman("A1", key_.Reveal(access), kChecksumBytesAsk);
}

RecoveryCode RecoveryCode::Generate() {
  return RecoveryCode(SecretBytes::Random(kRecoveryCodeBytes));
}

Result<RecoveryCode> RecoveryCode::FromSecret(SecretBytes code) {
  if (code.size() != kRecoveryCodeBytes) {
    return Fail(ErrorCode::kInvalidArgument, "a recovery code is 20 bytes");
  }
  return RecoveryCode(std::move(code));
}

Result<RecoveryCode> RecoveryCode::Decode(std::string_view text) {
  VIGIL_TRY(code, DecodeHuman(text, "R1", kRecoveryCodeBytes, kChecksumBytesRecovery,
                              "invalid recovery code"));
  return RecoveryCode(std::move(code));
}

std::string RecoveryCode::Encode(crypto::SecretAccess access) const {
  return EncodeHuman("R1", code_.Reveal(access), kChecksumBytesRecovery);
}

Bytes AuthKey::ProofBytes() const {
  const auto k = key_.Reveal(InsecureSecretAccess::Get());
  return Bytes(k.begin(), k.end());
}

Bytes NewAccountSalt() { return crypto::RandomBytes(kAccountSaltBytes); }

Result<AccountKeys> DeriveAccountKeys(const SecretBytes& password, const AccountSecretKey& ask,
                                      ByteSpan account_salt, const crypto::Argon2idCost& cost,
                                      std::string_view email) {
  // The floor first: a server must not be able to make us derive cheaply.
  auto cost_ok = crypto::CheckArgon2idCost(cost);
  if (!cost_ok) return Fail(cost_ok.error());
  auto args_ok = CheckSaltAndEmail(account_salt, email);
  if (!args_ok) return Fail(args_ok.error());
  if (password.empty()) return Fail(ErrorCode::kInvalidArgument, "the password must not be empty");
  VIGIL_TRY(pw_key, crypto::Argon2id(password, account_salt, cost, kPasswordKeyBytes));
  return internal::DeriveAccountKeysFromPasswordKey(pw_key, ask, account_salt, email);
}

Result<KeyEncryptionKey> DeriveRecoveryKey(const RecoveryCode& code, ByteSpan account_salt,
                                           std::string_view email) {
  auto args_ok = CheckSaltAndEmail(account_salt, email);
  if (!args_ok) return Fail(args_ok.error());
  VIGIL_TRY(kek, crypto::DeriveKey(code.secret(), account_salt, crypto::KeyPurpose::kRecoveryKek,
                                   AsBytes(email), kKeyEncryptionKeyBytes));
  return AccountKeyFactory::Kek(std::move(kek), KeyEncryptionKey::Kind::kRecovery);
}

Result<RecoveryKeys> DeriveRecoveryKeys(const RecoveryCode& code, ByteSpan recovery_salt,
                                        std::string_view email) {
  VIGIL_TRY(kek, DeriveRecoveryKey(code, recovery_salt, email));
  VIGIL_TRY(auth, crypto::DeriveKey(code.secret(), recovery_salt, crypto::KeyPurpose::kRecoveryAuth,
                                    AsBytes(email), kAuthKeyBytes));
  return RecoveryKeys{AccountKeyFactory::Auth(std::move(auth)), std::move(kek)};
}

namespace internal {

Result<AccountKeys> DeriveAccountKeysFromPasswordKey(const SecretBytes& pw_key,
                                                     const AccountSecretKey& ask,
                                                     ByteSpan account_salt,
                                                     std::string_view email) {
  auto args_ok = CheckSaltAndEmail(account_salt, email);
  if (!args_ok) return Fail(args_ok.error());
  if (pw_key.size() != kPasswordKeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "the password key is 32 bytes");
  }
  // ikm = pw_key || ASK, assembled in locked memory.
  SecretBytes ikm = SecretBytes::Zeroed(kPasswordKeyBytes + kAccountSecretKeyBytes);
  {
    const auto access = InsecureSecretAccess::Get();
    auto out = ikm.MutableBytes(access);
    const auto a = pw_key.Reveal(access);
    const auto b = ask.secret().Reveal(access);
    std::copy(a.begin(), a.end(), out.begin());
    std::copy(b.begin(), b.end(), out.begin() + static_cast<std::ptrdiff_t>(a.size()));
  }
  VIGIL_TRY(auth, crypto::DeriveKey(ikm, account_salt, crypto::KeyPurpose::kAccountAuth,
                                    AsBytes(email), kAuthKeyBytes));
  VIGIL_TRY(kek, crypto::DeriveKey(ikm, account_salt, crypto::KeyPurpose::kAccountKek,
                                   AsBytes(email), kKeyEncryptionKeyBytes));
  return AccountKeys{AccountKeyFactory::Auth(std::move(auth)),
                     AccountKeyFactory::Kek(std::move(kek), KeyEncryptionKey::Kind::kAccount)};
}

Result<KeyEncryptionKey> KeyEncryptionKeyForTests(SecretBytes key, KeyEncryptionKey::Kind kind) {
  if (key.size() != kKeyEncryptionKeyBytes) {
    return Fail(ErrorCode::kInvalidArgument, "a key-encryption key is 32 bytes");
  }
  return AccountKeyFactory::Kek(std::move(key), kind);
}

}  // namespace internal
}  // namespace vigil::seal
