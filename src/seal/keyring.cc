// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/keyring.h"

#include <algorithm>
#include <array>
#include <span>
#include <tuple>
#include <utility>

#include "internal/aead_cipher.h"
#include "internal/decryption_failed.h"
#include "vigil/crypto/hash.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;
using internal::DecryptionFailed;
using internal::kKeyringWrapHeaderBytes;
using internal::kKeyringWrapNonceBytes;
using internal::kKeyringWrapSaltBytes;

// "VGKW": Vigil keyring wrap. Layout in docs/formats/keyring.md.
constexpr std::array<std::uint8_t, 4> kMagic = {0x56, 0x47, 0x4b, 0x57};
constexpr std::uint8_t kWrapVersion = 0x01;
constexpr std::uint8_t kPlaintextVersion = 0x01;
constexpr std::size_t kSeedBytes = crypto::kSigningSeedBytes;
constexpr std::size_t kPlaintextFixedBytes = 1 + kSeedBytes + 2;
constexpr std::size_t kEntryFixedBytes = 1 + 8 + kRecipientKeyBytes;

Error Malformed() { return Error{ErrorCode::kDataLoss, "malformed keyring"}; }

bool EntryLess(std::string_view a_id, std::uint64_t a_epoch, std::string_view b_id,
               std::uint64_t b_epoch) {
  // Byte-wise order of ids (std::string_view compares as unsigned char).
  return std::tie(a_id, a_epoch) < std::tie(b_id, b_epoch);
}

Status CheckAccountId(std::string_view account_id) {
  if (account_id.empty() || account_id.size() > kMaxAccountIdBytes) {
    return Fail(ErrorCode::kInvalidArgument, "the account id must be 1 to 255 bytes");
  }
  return OkStatus();
}

// magic || version || kind || salt || nonce.
Bytes WrapHeader(KeyEncryptionKey::Kind kind, ByteSpan salt, ByteSpan nonce) {
  Bytes header(kMagic.begin(), kMagic.end());
  header.push_back(kWrapVersion);
  header.push_back(static_cast<std::uint8_t>(kind));
  Append(header, salt);
  Append(header, nonce);
  return header;
}

}  // namespace

Keyring Keyring::Generate() { return Keyring(crypto::SigningKey::Generate()); }

Status Keyring::AddHouseholdKey(std::string household_id, std::uint64_t epoch,
                                HouseholdPrivateKey key) {
  if (household_id.empty() || household_id.size() > kMaxKeyringIdBytes) {
    return Fail(ErrorCode::kInvalidArgument, "the household id must be 1 to 255 bytes");
  }
  if (households_.size() >= kMaxKeyringHouseholdKeys) {
    return Fail(ErrorCode::kResourceExhausted, "too many household keys in the keyring");
  }
  auto pos = std::find_if(households_.begin(), households_.end(), [&](const auto& e) {
    return !EntryLess(e.household_id, e.epoch, household_id, epoch);
  });
  if (pos != households_.end() && pos->household_id == household_id && pos->epoch == epoch) {
    return Fail(ErrorCode::kAlreadyExists, "the keyring already holds this household epoch");
  }
  households_.insert(pos, HouseholdKeyEntry{std::move(household_id), epoch, std::move(key)});
  return OkStatus();
}

const HouseholdPrivateKey* Keyring::FindHouseholdKey(std::string_view household_id,
                                                     std::uint64_t epoch) const {
  for (const auto& e : households_) {
    if (e.household_id == household_id && e.epoch == epoch) return &e.key;
  }
  return nullptr;
}

const HouseholdKeyEntry* Keyring::LatestHouseholdKey(std::string_view household_id) const {
  const HouseholdKeyEntry* latest = nullptr;
  for (const auto& e : households_) {
    if (e.household_id == household_id) latest = &e;  // sorted: the last is the highest epoch
  }
  return latest;
}

SecretBytes Keyring::Serialize() const {
  std::size_t size = kPlaintextFixedBytes;
  for (const auto& e : households_) size += kEntryFixedBytes + e.household_id.size();
  SecretBytes out = SecretBytes::Zeroed(size);
  const auto access = InsecureSecretAccess::Get();
  std::span<std::uint8_t> w = out.MutableBytes(access);
  auto put = [&w](ByteSpan bytes) {
    std::copy(bytes.begin(), bytes.end(), w.begin());
    w = w.subspan(bytes.size());
  };
  auto put_be = [&put](std::uint64_t value, std::size_t width) {
    std::array<std::uint8_t, 8> b{};
    for (std::size_t i = 0; i < width; ++i) {
      b[width - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
    put(ByteSpan(b).first(width));
  };
  put_be(kPlaintextVersion, 1);
  put(signing_key_.seed().Reveal(access));
  put_be(households_.size(), 2);
  for (const auto& e : households_) {
    put_be(e.household_id.size(), 1);
    put(AsBytes(e.household_id));
    put_be(e.epoch, 8);
    put(e.key.secret().Reveal(access));
  }
  return out;
}

Result<Keyring> Keyring::Parse(const SecretBytes& serialized) {
  const auto access = InsecureSecretAccess::Get();
  ByteSpan r = serialized.Reveal(access);
  if (r.size() < kPlaintextFixedBytes || r[0] != kPlaintextVersion) return Fail(Malformed());
  auto seed = crypto::SigningKey::FromSeed(SecretBytes(r.subspan(1, kSeedBytes), access));
  if (!seed) return Fail(Malformed());
  Keyring keyring(std::move(*seed));
  const std::size_t count = LoadU16(r.subspan(1 + kSeedBytes));
  if (count > kMaxKeyringHouseholdKeys) return Fail(Malformed());
  r = r.subspan(kPlaintextFixedBytes);
  for (std::size_t i = 0; i < count; ++i) {
    if (r.empty()) return Fail(Malformed());
    const std::size_t id_len = r[0];
    if (id_len == 0 || r.size() < kEntryFixedBytes + id_len) return Fail(Malformed());
    std::string id = ToString(r.subspan(1, id_len));
    const std::uint64_t epoch = LoadU64(r.subspan(1 + id_len));
    auto key = HouseholdPrivateKey::FromSecret(
        SecretBytes(r.subspan(1 + id_len + 8, kRecipientKeyBytes), access));
    if (!key) return Fail(Malformed());
    // Canonical: strictly increasing (household_id, epoch).
    if (!keyring.households_.empty()) {
      const auto& last = keyring.households_.back();
      if (!EntryLess(last.household_id, last.epoch, id, epoch)) return Fail(Malformed());
    }
    keyring.households_.push_back(HouseholdKeyEntry{std::move(id), epoch, std::move(*key)});
    r = r.subspan(kEntryFixedBytes + id_len);
  }
  if (!r.empty()) return Fail(Malformed());
  return keyring;
}

namespace internal {

Result<SecretBytes> KeyringWrapSubkey(const KeyEncryptionKey& kek, ByteSpan salt,
                                      std::string_view account_id) {
  // info context = kind byte || account id: the subkey is bound to both.
  Bytes context = {static_cast<std::uint8_t>(kek.kind())};
  Append(context, AsBytes(account_id));
  return crypto::DeriveKey(kek.secret(), salt, crypto::KeyPurpose::kKeyringWrap, context, 32);
}

Result<Bytes> WrapKeyringForVectors(const Keyring& keyring, const KeyEncryptionKey& kek,
                                    std::string_view account_id, ByteSpan salt, ByteSpan nonce) {
  auto id_ok = CheckAccountId(account_id);
  if (!id_ok) return Fail(id_ok.error());
  if (salt.size() != kKeyringWrapSaltBytes || nonce.size() != kKeyringWrapNonceBytes) {
    return Fail(ErrorCode::kInvalidArgument, "keyring wrap salt or nonce has the wrong size");
  }
  VIGIL_TRY(subkey, KeyringWrapSubkey(kek, salt, account_id));
  VIGIL_TRY(cipher,
            AeadCipher::Create(AeadAlgorithm::kAes256Gcm, subkey, AeadCipher::Direction::kSeal));
  Bytes out = WrapHeader(kek.kind(), salt, nonce);
  Bytes aad = out;
  Append(aad, AsBytes(account_id));
  const SecretBytes plaintext = keyring.Serialize();
  const std::size_t header_size = out.size();
  out.resize(header_size + plaintext.size() + kAeadTagBytes);
  auto sealed = cipher.Seal(nonce, aad, plaintext.Reveal(InsecureSecretAccess::Get()),
                            std::span<std::uint8_t>(out).subspan(header_size));
  if (!sealed) return Fail(sealed.error());
  return out;
}

}  // namespace internal

Result<Bytes> WrapKeyring(const Keyring& keyring, const KeyEncryptionKey& kek,
                          std::string_view account_id) {
  const Bytes salt = crypto::RandomBytes(kKeyringWrapSaltBytes);
  const Bytes nonce = crypto::RandomBytes(kKeyringWrapNonceBytes);
  return internal::WrapKeyringForVectors(keyring, kek, account_id, salt, nonce);
}

Result<Keyring> UnwrapKeyring(ByteSpan wrapped, const KeyEncryptionKey& kek,
                              std::string_view account_id) {
  auto id_ok = CheckAccountId(account_id);
  if (!id_ok) return Fail(id_ok.error());
  if (wrapped.size() < kKeyringWrapHeaderBytes + kPlaintextFixedBytes + internal::kAeadTagBytes ||
      !std::equal(kMagic.begin(), kMagic.end(), wrapped.begin()) || wrapped[4] != kWrapVersion ||
      wrapped[5] != static_cast<std::uint8_t>(kek.kind())) {
    return Fail(DecryptionFailed());
  }
  const ByteSpan header = wrapped.first(kKeyringWrapHeaderBytes);
  const ByteSpan salt = header.subspan(6, kKeyringWrapSaltBytes);
  const ByteSpan nonce = header.subspan(6 + kKeyringWrapSaltBytes, kKeyringWrapNonceBytes);
  VIGIL_TRY(subkey, internal::KeyringWrapSubkey(kek, salt, account_id));
  VIGIL_TRY(cipher, internal::AeadCipher::Create(internal::AeadAlgorithm::kAes256Gcm, subkey,
                                                 internal::AeadCipher::Direction::kOpen));
  Bytes aad(header.begin(), header.end());
  Append(aad, AsBytes(account_id));
  const ByteSpan sealed = wrapped.subspan(kKeyringWrapHeaderBytes);
  SecretBytes plaintext = SecretBytes::Zeroed(sealed.size() - internal::kAeadTagBytes);
  auto opened =
      cipher.Open(nonce, aad, sealed, plaintext.MutableBytes(InsecureSecretAccess::Get()));
  if (!opened) return Fail(DecryptionFailed());
  // Authenticated but unparsable would mean a broken writer; still one error.
  auto keyring = Keyring::Parse(plaintext);
  if (!keyring) return Fail(DecryptionFailed());
  return keyring;
}

}  // namespace vigil::seal
