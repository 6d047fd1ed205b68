// SPDX-License-Identifier: Apache-2.0
#include "vigil/seal/account_keys.h"

#include <cctype>
#include <string>
#include <type_traits>

#include <gtest/gtest.h>

#include "vigil/crypto/hash.h"
#include "vigil/crypto/key_purpose.h"

namespace vigil::seal {
namespace {

using crypto::InsecureSecretAccess;
using crypto::SecretBytes;

constexpr crypto::Argon2idCost kFloor = crypto::kMinimumArgon2idCost;
constexpr std::string_view kEmail = "alice@example.org";

SecretBytes Password(std::string_view p) {
  return SecretBytes(AsBytes(p), InsecureSecretAccess::Get());
}

static_assert(!std::is_copy_constructible_v<AccountSecretKey>);
static_assert(!std::is_copy_constructible_v<AuthKey>);
static_assert(!std::is_copy_constructible_v<KeyEncryptionKey>);
static_assert(!std::is_default_constructible_v<AuthKey>);
static_assert(!std::is_default_constructible_v<KeyEncryptionKey>);

TEST(AccountSecretKeyTest, HumanFormRoundTrips) {
  const AccountSecretKey ask = AccountSecretKey::Generate();
  const std::string text = ask.Encode(InsecureSecretAccess::Get());
  // "A1" + 8 groups of 4 base32 characters.
  ASSERT_EQ(text.size(), 2 + 8 * 5u);
  EXPECT_EQ(text.substr(0, 3), "A1-");
  auto back = AccountSecretKey::Decode(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->secret() == ask.secret());
  // Lower case, spaces for dashes and no separators are all accepted.
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_TRUE(AccountSecretKey::Decode(lower)->secret() == ask.secret());
  std::string spaced = text;
  for (char& c : spaced) c = c == '-' ? ' ' : c;
  EXPECT_TRUE(AccountSecretKey::Decode(spaced)->secret() == ask.secret());
  std::string bare;
  for (char c : text)
    if (c != '-') bare.push_back(c);
  EXPECT_TRUE(AccountSecretKey::Decode(bare)->secret() == ask.secret());
}

TEST(AccountSecretKeyTest, EveryTypoIsCaught) {
  const AccountSecretKey ask = AccountSecretKey::Generate();
  const std::string text = ask.Encode(InsecureSecretAccess::Get());
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  int checked = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    // Every substitution of one character.
    for (char c : kAlphabet) {
      if (c == text[i]) continue;
      std::string bad = text;
      bad[i] = c;
      auto r = AccountSecretKey::Decode(bad);
      ASSERT_FALSE(r.has_value()) << bad;
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      EXPECT_EQ(r.error().message, "invalid account secret key");
      ++checked;
    }
    // A dropped character.
    std::string dropped = text;
    dropped.erase(i, 1);
    EXPECT_FALSE(AccountSecretKey::Decode(dropped).has_value()) << dropped;
  }
  EXPECT_GT(checked, 1000);
  // Swapped neighbours (where they differ).
  for (std::size_t i = 3; i + 1 < text.size(); ++i) {
    if (text[i] == '-' || text[i + 1] == '-' || text[i] == text[i + 1]) continue;
    std::string bad = text;
    std::swap(bad[i], bad[i + 1]);
    EXPECT_FALSE(AccountSecretKey::Decode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(AccountSecretKey::Decode(text + "A").has_value());
  EXPECT_FALSE(AccountSecretKey::Decode("").has_value());
  EXPECT_FALSE(AccountSecretKey::Decode("R1" + text.substr(2)).has_value());
}

TEST(RecoveryCodeTest, HumanFormRoundTripsAndCatchesTypos) {
  const RecoveryCode code = RecoveryCode::Generate();
  EXPECT_EQ(code.secret().size(), 20u);  // >= 160 bits
  const std::string text = code.Encode(InsecureSecretAccess::Get());
  ASSERT_EQ(text.size(), 2 + 10 * 5u);
  EXPECT_EQ(text.substr(0, 3), "R1-");
  EXPECT_TRUE(RecoveryCode::Decode(text)->secret() == code.secret());
  for (std::size_t i = 3; i < text.size(); ++i) {
    if (text[i] == '-') continue;
    std::string bad = text;
    bad[i] = bad[i] == 'Q' ? 'R' : 'Q';
    auto r = RecoveryCode::Decode(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().message, "invalid recovery code");
  }
  // An ASK is not a recovery code and the reverse.
  const std::string ask = AccountSecretKey::Generate().Encode(InsecureSecretAccess::Get());
  EXPECT_FALSE(RecoveryCode::Decode(ask).has_value());
  EXPECT_FALSE(AccountSecretKey::Decode(text).has_value());
}

TEST(DeriveAccountKeysTest, IsTheDocumentedConstruction) {
  const AccountSecretKey ask = AccountSecretKey::Generate();
  const Bytes salt = NewAccountSalt();
  ASSERT_EQ(salt.size(), kAccountSaltBytes);
  auto keys = DeriveAccountKeys(Password("correct horse"), ask, salt, kFloor, kEmail);
  ASSERT_TRUE(keys.has_value());
  // Recompute with the primitives: pw_key = Argon2id, ikm = pw_key || ASK.
  const auto access = InsecureSecretAccess::Get();
  auto pw_key = crypto::Argon2id(Password("correct horse"), salt, kFloor, 32).value();
  Bytes ikm_bytes(pw_key.Reveal(access).begin(), pw_key.Reveal(access).end());
  Append(ikm_bytes, ask.secret().Reveal(access));
  const SecretBytes ikm(ikm_bytes, access);
  auto auth = crypto::DeriveKey(ikm, salt, crypto::KeyPurpose::kAccountAuth, AsBytes(kEmail), 32);
  auto kek = crypto::DeriveKey(ikm, salt, crypto::KeyPurpose::kAccountKek, AsBytes(kEmail), 32);
  EXPECT_EQ(keys->auth_key.ProofBytes(),
            Bytes(auth->Reveal(access).begin(), auth->Reveal(access).end()));
  EXPECT_TRUE(keys->kek.secret() == *kek);
  EXPECT_EQ(keys->kek.kind(), KeyEncryptionKey::Kind::kAccount);
  // The proof and the KEK are independent.
  EXPECT_NE(keys->auth_key.ProofBytes(), Bytes(keys->kek.secret().Reveal(access).begin(),
                                               keys->kek.secret().Reveal(access).end()));
}

TEST(DeriveAccountKeysTest, EveryInputChangesBothKeys) {
  const AccountSecretKey ask = AccountSecretKey::Generate();
  const Bytes salt = NewAccountSalt();
  const auto base = DeriveAccountKeys(Password("pw"), ask, salt, kFloor, kEmail).value();
  auto differs = [&](const Result<AccountKeys>& other) {
    ASSERT_TRUE(other.has_value());
    EXPECT_NE(other->auth_key.ProofBytes(), base.auth_key.ProofBytes());
    EXPECT_FALSE(other->kek.secret() == base.kek.secret());
  };
  differs(DeriveAccountKeys(Password("pW"), ask, salt, kFloor, kEmail));
  differs(DeriveAccountKeys(Password("pw"), AccountSecretKey::Generate(), salt, kFloor, kEmail));
  differs(DeriveAccountKeys(Password("pw"), ask, NewAccountSalt(), kFloor, kEmail));
  differs(DeriveAccountKeys(Password("pw"), ask, salt, {3, kFloor.memory_kib}, kEmail));
  differs(DeriveAccountKeys(Password("pw"), ask, salt, kFloor, "bob@example.org"));
}

TEST(DeriveAccountKeysTest, EnforcesTheArgon2Floor) {
  const AccountSecretKey ask = AccountSecretKey::Generate();
  const Bytes salt = NewAccountSalt();
  for (const crypto::Argon2idCost cost :
       {crypto::Argon2idCost{1, kFloor.memory_kib}, crypto::Argon2idCost{2, 1024},
        crypto::Argon2idCost{0, 0}, crypto::Argon2idCost{17, kFloor.memory_kib}}) {
    auto r = DeriveAccountKeys(Password("pw"), ask, salt, cost, kEmail);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  }
  EXPECT_EQ(DeriveAccountKeys(Password("pw"), ask, Bytes(15, 0), kFloor, kEmail).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(DeriveAccountKeys(Password("pw"), ask, salt, kFloor, "").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(DeriveAccountKeys(SecretBytes(), ask, salt, kFloor, kEmail).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(DeriveRecoveryKeyTest, IsBoundToCodeSaltAndEmail) {
  const RecoveryCode code = RecoveryCode::Generate();
  const Bytes salt = NewAccountSalt();
  auto kek = DeriveRecoveryKey(code, salt, kEmail);
  ASSERT_TRUE(kek.has_value());
  EXPECT_EQ(kek->kind(), KeyEncryptionKey::Kind::kRecovery);
  auto expected =
      crypto::DeriveKey(code.secret(), salt, crypto::KeyPurpose::kRecoveryKek, AsBytes(kEmail), 32);
  EXPECT_TRUE(kek->secret() == *expected);
  EXPECT_FALSE(DeriveRecoveryKey(RecoveryCode::Generate(), salt, kEmail)->secret() ==
               kek->secret());
  EXPECT_FALSE(DeriveRecoveryKey(code, NewAccountSalt(), kEmail)->secret() == kek->secret());
  EXPECT_FALSE(DeriveRecoveryKey(code, salt, "bob@example.org")->secret() == kek->secret());
  EXPECT_EQ(DeriveRecoveryKey(code, Bytes(17, 0), kEmail).error().code,
            ErrorCode::kInvalidArgument);
}

TEST(DeriveRecoveryKeysTest, GivesTheKekAndASeparateProof) {
  const RecoveryCode code = RecoveryCode::Generate();
  const Bytes salt = NewAccountSalt();
  auto keys = DeriveRecoveryKeys(code, salt, kEmail);
  ASSERT_TRUE(keys.has_value());
  EXPECT_TRUE(keys->kek.secret() == DeriveRecoveryKey(code, salt, kEmail)->secret());
  auto expected = crypto::DeriveKey(code.secret(), salt, crypto::KeyPurpose::kRecoveryAuth,
                                    AsBytes(kEmail), 32);
  const Bytes proof = keys->auth_key.ProofBytes();
  EXPECT_EQ(proof.size(), 32u);
  EXPECT_TRUE(*expected == SecretBytes(proof, InsecureSecretAccess::Get()));
  // The proof the server sees is not the key that opens the keyring.
  EXPECT_FALSE(keys->kek.secret() == SecretBytes(proof, InsecureSecretAccess::Get()));
  EXPECT_NE(DeriveRecoveryKeys(code, NewAccountSalt(), kEmail)->auth_key.ProofBytes(), proof);
  EXPECT_NE(DeriveRecoveryKeys(RecoveryCode::Generate(), salt, kEmail)->auth_key.ProofBytes(),
            proof);
  EXPECT_NE(DeriveRecoveryKeys(code, salt, "bob@example.org")->auth_key.ProofBytes(), proof);
  EXPECT_EQ(DeriveRecoveryKeys(code, salt, "").error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::seal
